/** Cancelling a processing bank debit: allowed until it is submitted (or 3 business days before its target date). */
import type { EventOrigin } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { paymentIntentUnexpectedState } from '../stripe-errors.js';

/** Throws Stripe's `payment_intent_unexpected_state` when a processing bank debit can no longer be canceled. */
export function assertBankDebitCancelable(runtime: EmulatorRuntime, paymentIntent: PaymentIntentObject): void {
  if (paymentIntent.status !== 'processing') return;
  const record = runtime.store.bankDebits.get(paymentIntent.id);
  if (!record || record.cancelableUntil === null || runtime.clock.nowSeconds() < record.cancelableUntil) return;
  throw paymentIntentUnexpectedState(
    'You cannot cancel this PaymentIntent because it has a status of processing and its debit has already been submitted to the customer’s bank.',
    structuredClone(paymentIntent),
  );
}

/** After cancellation: the pending debit charge fails and nothing settles any more. */
export function abandonBankDebit(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  origin: EventOrigin,
): void {
  const record = runtime.store.bankDebits.get(paymentIntent.id);
  if (!record) return;
  record.settlesAt = null;
  record.cancelableUntil = null;
  record.microdeposits = null;
  const charge = paymentIntent.latest_charge ? runtime.store.charges.get(paymentIntent.latest_charge) : undefined;
  if (charge?.status === 'pending') {
    charge.status = 'failed';
    charge.failure_message = 'The PaymentIntent was canceled before the debit was submitted.';
    runtime.events.record('charge.failed', charge, origin);
  }
}
