/** What the setup workflow needs to know of a SetupIntent: ids, status and microdeposits, nothing personal. */
import type Stripe from 'stripe';
import { toMicrodepositsSnapshot, type MicrodepositsSnapshot } from '../common/payment-intent-snapshot.js';

/** A SetupIntent reduced to the fields the setup workflow decides on. */
export interface SetupIntentSnapshot {
  setupIntentId: string;
  status: Stripe.SetupIntent.Status;
  /** The PaymentMethod attached by the customer, once there is one. */
  paymentMethodId: string | null;
  /** The multi-use mandate of a bank account, once confirmed. */
  mandateId: string | null;
  /** Code of the last failed attempt (decline code first), if any. */
  lastErrorCode: string | null;
  /** Microdeposits Stripe sent to verify a bank account, while it waits for them. */
  microdeposits: MicrodepositsSnapshot | null;
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  if (!value) return null;
  return typeof value === 'string' ? value : value.id;
}

/** Reduces a Stripe SetupIntent to a snapshot. */
export function toSetupIntentSnapshot(setupIntent: Stripe.SetupIntent): SetupIntentSnapshot {
  const lastError = setupIntent.last_setup_error;
  return {
    setupIntentId: setupIntent.id,
    status: setupIntent.status,
    paymentMethodId: idOf(setupIntent.payment_method),
    mandateId: idOf(setupIntent.mandate),
    lastErrorCode: lastError ? (lastError.decline_code ?? lastError.code ?? null) : null,
    microdeposits: toMicrodepositsSnapshot(setupIntent.next_action?.verify_with_microdeposits),
  };
}
