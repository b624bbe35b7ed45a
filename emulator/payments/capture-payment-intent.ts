/** Capture of a held authorization (not used by the booking flow's normal path, but Stripe allows it). */
import { newObjectId } from '../ids.js';
import type { EventOrigin } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { StripeApiError, paymentIntentUnexpectedState } from '../stripe-errors.js';

/** Captures `amountToCapture` (default: all) of a `requires_capture` PaymentIntent in place. */
export function capturePaymentIntent(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  amountToCapture: number | undefined,
  origin: EventOrigin,
): void {
  if (paymentIntent.status !== 'requires_capture') {
    throw paymentIntentUnexpectedState(
      `This PaymentIntent could not be captured because it has a status of ${paymentIntent.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
      structuredClone(paymentIntent),
    );
  }
  const amount = amountToCapture ?? paymentIntent.amount_capturable;
  if (amount > paymentIntent.amount_capturable || amount <= 0) {
    throw new StripeApiError(
      400,
      {
        type: 'invalid_request_error',
        code: 'amount_too_large',
        message: `The amount to capture (${amount}) must be greater than zero and at most the amount capturable (${paymentIntent.amount_capturable}).`,
        param: 'amount_to_capture',
      },
      true,
    );
  }
  const charge = paymentIntent.latest_charge ? runtime.store.charges.get(paymentIntent.latest_charge) : undefined;
  if (charge) {
    charge.captured = true;
    charge.amount_captured = amount;
    charge.amount_refunded = charge.amount - amount;
    charge.balance_transaction = newObjectId('txn');
  }
  paymentIntent.status = 'succeeded';
  paymentIntent.amount_received = amount;
  paymentIntent.amount_capturable = 0;
  if (charge) runtime.events.record('charge.captured', charge, origin);
  runtime.events.record('payment_intent.succeeded', paymentIntent, origin);
}
