/** What the workflow needs to know of a PaymentIntent: ids, status and deadlines, nothing personal. */
import type Stripe from 'stripe';

/** Microdeposits Stripe sent to verify a bank account (a PaymentIntent's or a SetupIntent's next action). */
export interface MicrodepositsSnapshot {
  type: 'descriptor_code' | 'amounts';
  arrivalDate: string | null;
  hostedVerificationUrl: string | null;
}

/** Reads the microdeposits of an intent's `next_action.verify_with_microdeposits`, if it waits for them. */
export function toMicrodepositsSnapshot(
  verify:
    { microdeposit_type?: string | null; arrival_date: number; hosted_verification_url: string } | null | undefined,
): MicrodepositsSnapshot | null {
  if (!verify) return null;
  return {
    type: verify.microdeposit_type === 'amounts' ? 'amounts' : 'descriptor_code',
    arrivalDate: verify.arrival_date ? new Date(verify.arrival_date * 1000).toISOString() : null,
    hostedVerificationUrl: verify.hosted_verification_url ?? null,
  };
}

/** A PaymentIntent reduced to the fields the booking workflow decides on. */
export interface PaymentIntentSnapshot {
  paymentIntentId: string;
  status: Stripe.PaymentIntent.Status;
  cancellationReason: string | null;
  /** ISO instant the PaymentIntent was created. */
  createdAt: string;
  /** ISO instant the latest charge was authorized (its creation), when it succeeded; absent in older histories. */
  authorizedAt?: string | null;
  /** ISO instant by which the authorization must be captured, from the charge, when Stripe gives one. */
  captureBefore: string | null;
  /** Code of the last failed attempt (decline code first), if any. */
  lastErrorCode: string | null;
  /** Microdeposits Stripe sent to verify a bank account, while it waits for them. */
  microdeposits: MicrodepositsSnapshot | null;
  /** The bank's reference of a bank debit, once Stripe has one. */
  paymentReference: string | null;
  /** The PaymentMethod of the last failed attempt (absent in snapshots recorded before it was read). */
  lastErrorPaymentMethodId?: string | null;
  /** The PaymentMethod it was confirmed with (absent in snapshots recorded before it was read). */
  paymentMethodId?: string | null;
  /** Whether the network extended the authorization (absent in snapshots recorded before it was read). */
  extendedAuthorization?: boolean;
}

/** Reduces a Stripe PaymentIntent to a snapshot. */
export function toPaymentIntentSnapshot(paymentIntent: Stripe.PaymentIntent): PaymentIntentSnapshot {
  const charge = typeof paymentIntent.latest_charge === 'object' ? paymentIntent.latest_charge : null;
  const captureBefore = charge?.payment_method_details?.card?.capture_before ?? null;
  const lastError = paymentIntent.last_payment_error;
  return {
    paymentIntentId: paymentIntent.id,
    status: paymentIntent.status,
    cancellationReason: paymentIntent.cancellation_reason ?? null,
    createdAt: new Date(paymentIntent.created * 1000).toISOString(),
    authorizedAt: charge?.status === 'succeeded' ? new Date(charge.created * 1000).toISOString() : null,
    captureBefore: captureBefore ? new Date(captureBefore * 1000).toISOString() : null,
    lastErrorCode: lastError ? (lastError.decline_code ?? lastError.code ?? null) : null,
    microdeposits: toMicrodepositsSnapshot(paymentIntent.next_action?.verify_with_microdeposits),
    paymentReference: charge?.payment_method_details?.us_bank_account?.payment_reference ?? null,
    lastErrorPaymentMethodId: lastError?.payment_method?.id ?? null,
    paymentMethodId:
      typeof paymentIntent.payment_method === 'string'
        ? paymentIntent.payment_method
        : (paymentIntent.payment_method?.id ?? null),
    extendedAuthorization: charge?.payment_method_details?.card?.extended_authorization?.status === 'enabled',
  };
}
