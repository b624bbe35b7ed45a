/** Refunds of a succeeded payment: at once for cards, pending until the customer's bank has it for bank debits. */
import { refundArrivalTime } from '../bank-debits/ach-timings.js';
import { bankDebitRecordOf } from '../bank-debits/confirm-bank-debit.js';
import type { EventOrigin } from '../objects/event.js';
import { buildRefund, type RefundObject } from '../objects/refund.js';
import type { Metadata } from '../request-params.js';
import type { EmulatorRuntime } from '../runtime.js';
import { StripeApiError, errorDocUrl, resourceMissing } from '../stripe-errors.js';

/** What the caller asked to refund. */
export interface RefundRequest {
  paymentIntentId?: string;
  chargeId?: string;
  amount?: number;
  reason: RefundObject['reason'];
  metadata: Metadata;
}

function refusal(code: string, message: string, param?: string): StripeApiError {
  return new StripeApiError(
    400,
    { type: 'invalid_request_error', code, doc_url: errorDocUrl(code), message, ...(param ? { param } : {}) },
    true,
  );
}

function dollars(cents: number): string {
  return `$${(cents / 100).toFixed(2)}`;
}

/** Creates a refund of a succeeded charge (all that is left by default), or throws Stripe's refusal. */
export function createRefund(runtime: EmulatorRuntime, request: RefundRequest, origin: EventOrigin): RefundObject {
  const paymentIntent = request.paymentIntentId ? runtime.store.paymentIntents.get(request.paymentIntentId) : undefined;
  if (request.paymentIntentId && !paymentIntent)
    throw resourceMissing('payment_intent', request.paymentIntentId, 'payment_intent');
  const chargeId = request.chargeId ?? paymentIntent?.latest_charge ?? undefined;
  const charge = chargeId ? runtime.store.charges.get(chargeId) : undefined;
  if (request.chargeId && !charge) throw resourceMissing('charge', request.chargeId, 'charge');
  if (!charge || charge.status !== 'succeeded' || !charge.captured) {
    throw refusal(
      'charge_not_refundable',
      paymentIntent
        ? `This PaymentIntent (${paymentIntent.id}) does not have a successful charge to refund.`
        : `Charge ${chargeId ?? ''} has not succeeded and cannot be refunded.`,
      request.paymentIntentId ? 'payment_intent' : 'charge',
    );
  }
  if (charge.disputed)
    throw refusal('charge_disputed', `Charge ${charge.id} has been charged back; cannot issue a refund.`);
  const refundable = charge.amount_captured - charge.amount_refunded;
  if (refundable <= 0) throw refusal('charge_already_refunded', `Charge ${charge.id} has already been refunded.`);
  const amount = request.amount ?? refundable;
  if (amount <= 0) throw refusal('parameter_invalid_integer', 'Invalid positive integer', 'amount');
  if (amount > refundable) {
    throw refusal(
      'amount_too_large',
      `Refund amount (${dollars(amount)}) is greater than unrefunded amount on charge (${dollars(refundable)})`,
      'amount',
    );
  }
  const bankAccount = charge.payment_method_details.type === 'us_bank_account';
  const now = runtime.clock.nowSeconds();
  const refund = buildRefund({
    amount,
    chargeId: charge.id,
    currency: charge.currency,
    paymentIntentId: charge.payment_intent,
    reason: request.reason,
    metadata: request.metadata,
    bankAccount,
    created: now,
  });
  runtime.store.refunds.set(refund.id, refund);
  charge.amount_refunded += amount;
  charge.refunded = charge.amount_refunded >= charge.amount_captured;
  if (bankAccount) {
    bankDebitRecordOf(runtime, charge.payment_intent).pendingRefunds.push({
      refundId: refund.id,
      settlesAt: refundArrivalTime(runtime.ach, now),
    });
  }
  runtime.events.record('charge.refunded', charge, origin);
  runtime.events.record('refund.created', refund, origin);
  return refund;
}
