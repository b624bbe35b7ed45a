/**
 * Records every request that may create a booking's PaymentIntent around the gateway call
 * (inbox/payment-intent-creations.ts), so the inbox relay knows which bookings are creating none.
 */
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type Stripe from 'stripe';
import {
  recordCreationAnswered,
  recordCreationStarted,
  type PaymentIntentCreation,
} from '../../inbox/payment-intent-creations.js';
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import { describeError } from '../../telemetry/logger.js';

/** Logs through the activity's logger when called from one (tests call the gateway directly). */
function warn(message: string, fields: Record<string, unknown>): void {
  try {
    Context.current().log.warn(message, fields);
  } catch {
    // Not inside an activity: nothing to log to.
  }
}

/**
 * The gateway, with each PaymentIntent create recorded before it is sent (a failed record fails the
 * request unsent, to be retried) and marked answered with the PaymentIntent's status once Stripe
 * answers. A create that fails stays unanswered: a decline's or a lost answer's PaymentIntent may
 * still be the booking's, so its events keep being signalled.
 */
export function recordingCreations(db: Pool, gateway: PaymentGateway): PaymentGateway {
  const recorded =
    <Input extends PaymentIntentCreation>(send: (input: Input) => Promise<Stripe.PaymentIntent>) =>
    async (input: Input): Promise<Stripe.PaymentIntent> => {
      const creation = { bookingId: input.bookingId, idempotencyKey: input.idempotencyKey };
      await recordCreationStarted(db, creation);
      const paymentIntent = await send(input);
      try {
        await recordCreationAnswered(db, creation, { paymentIntentId: paymentIntent.id, status: paymentIntent.status });
      } catch (error) {
        // Left unanswered, the booking's events are signalled as before: slower, never lost.
        warn('PaymentIntent creation not marked answered', {
          paymentIntentId: paymentIntent.id,
          error: describeError(error),
        });
      }
      return paymentIntent;
    };
  // Every gateway request that creates a booking's PaymentIntent.
  return {
    ...gateway,
    createHoldPaymentIntent: recorded((input) => gateway.createHoldPaymentIntent(input)),
    placeHoldPaymentIntent: recorded((input) => gateway.placeHoldPaymentIntent(input)),
    createBankPaymentIntent: recorded((input) => gateway.createBankPaymentIntent(input)),
    placeBankPaymentIntent: recorded((input) => gateway.placeBankPaymentIntent(input)),
  };
}
