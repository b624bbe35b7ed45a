/** Cancellation by the caller: releases any held authorization or stops a bank debit not yet submitted. */
import { abandonBankDebit, assertBankDebitCancelable } from '../bank-debits/bank-debit-cancellation.js';
import type { EventOrigin } from '../objects/event.js';
import type { CancellationReason, PaymentIntentObject, PaymentIntentStatus } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { assertStatusIn } from './assert-status-in.js';
import { releaseHeldCharge } from './release-held-charge.js';

/** Statuses from which Stripe lets a caller cancel. */
export const CANCELABLE_STATUSES: readonly PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];

/** Cancels `paymentIntent` in place, or throws Stripe's 400 `payment_intent_unexpected_state`. */
export function cancelPaymentIntent(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  reason: CancellationReason | null,
  origin: EventOrigin,
): void {
  assertStatusIn(paymentIntent, CANCELABLE_STATUSES, 'cancel');
  assertBankDebitCancelable(runtime, paymentIntent);
  abandonBankDebit(runtime, paymentIntent, origin);
  const charge = releaseHeldCharge(runtime, paymentIntent);
  paymentIntent.status = 'canceled';
  paymentIntent.canceled_at = runtime.clock.nowSeconds();
  paymentIntent.cancellation_reason = reason;
  paymentIntent.amount_capturable = 0;
  paymentIntent.next_action = null;
  if (charge) runtime.events.record('charge.refunded', charge, origin);
  runtime.events.record('payment_intent.canceled', paymentIntent, origin);
}
