/**
 * Every request the product sends to Stripe, as plain functions over a Stripe client.
 * Activities call these; the contract test replays each of them against stripe-mock.
 */
import type Stripe from 'stripe';
import { HOLD_AMOUNT_CENTS, HOLD_CURRENCY } from '../workflows/contract.js';

/** Inputs of a $1 manual-capture hold's PaymentIntent, created unconfirmed (nothing is held yet). */
export interface HoldIntentRequest {
  bookingId: string;
  attempt: number;
  paymentMethod: string;
  stripeCustomerId: string;
  idempotencyKey: string;
}

/** Inputs of the confirmation that asks the issuer for the authorization. */
export interface HoldConfirmationRequest {
  paymentIntentId: string;
  paymentMethod: string;
  idempotencyKey: string;
}

/** The Stripe requests used by the booking orchestrator. */
export interface PaymentGateway {
  createCustomer(input: { customerId: string; email: string; name: string; idempotencyKey: string }): Promise<Stripe.Customer>;
  retrieveCustomer(stripeCustomerId: string): Promise<Stripe.Customer | Stripe.DeletedCustomer>;
  createHoldPaymentIntent(input: HoldIntentRequest): Promise<Stripe.PaymentIntent>;
  confirmHoldPaymentIntent(input: HoldConfirmationRequest): Promise<Stripe.PaymentIntent>;
  retrievePaymentIntent(paymentIntentId: string): Promise<Stripe.PaymentIntent>;
  cancelPaymentIntent(input: {
    paymentIntentId: string;
    reason: Stripe.PaymentIntentCancelParams.CancellationReason;
    idempotencyKey: string;
  }): Promise<Stripe.PaymentIntent>;
}

/** Builds the gateway over a Stripe client. */
export function createPaymentGateway(stripe: Stripe): PaymentGateway {
  return {
    createCustomer: ({ customerId, email, name, idempotencyKey }) =>
      stripe.customers.create({ email, name, metadata: { customer_id: customerId } }, { idempotencyKey }),

    retrieveCustomer: (stripeCustomerId) => stripe.customers.retrieve(stripeCustomerId),

    createHoldPaymentIntent: ({ bookingId, attempt, paymentMethod, stripeCustomerId, idempotencyKey }) =>
      stripe.paymentIntents.create(
        {
          amount: HOLD_AMOUNT_CENTS,
          currency: HOLD_CURRENCY,
          capture_method: 'manual',
          customer: stripeCustomerId,
          payment_method: paymentMethod,
          payment_method_types: ['card'],
          description: `$1 authorization hold for booking ${bookingId}`,
          metadata: { booking_id: bookingId, hold_attempt: String(attempt) },
        },
        { idempotencyKey },
      ),

    confirmHoldPaymentIntent: ({ paymentIntentId, paymentMethod, idempotencyKey }) =>
      stripe.paymentIntents.confirm(
        paymentIntentId,
        { payment_method: paymentMethod, expand: ['latest_charge'] },
        { idempotencyKey },
      ),

    retrievePaymentIntent: (paymentIntentId) =>
      stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] }),

    cancelPaymentIntent: ({ paymentIntentId, reason, idempotencyKey }) =>
      stripe.paymentIntents.cancel(
        paymentIntentId,
        { cancellation_reason: reason, expand: ['latest_charge'] },
        { idempotencyKey },
      ),
  };
}
