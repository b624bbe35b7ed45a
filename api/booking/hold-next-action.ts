/**
 * The Stripe read behind the hold's next action: the PaymentIntent, fetched when the booking service
 * asks, so its client secret goes to the customer's browser and nowhere else (not a workflow's history,
 * the database or a log line). Stripe.js needs it to finish 3-D Secure (docs.stripe.com/payments/3d-secure,
 * docs.stripe.com/api/payment_intents/object#payment_intent_object-client_secret).
 */
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import { HOLD_NEXT_ACTION_TYPES, type HoldNextAction } from './schemas.js';

/** The gateway request the next-action route uses; the gateway over a Stripe client satisfies it. */
export type HoldNextActionGateway = Pick<PaymentGateway, 'retrievePaymentIntent'>;

function isHoldNextActionType(type: string): type is HoldNextAction['type'] {
  return (HOLD_NEXT_ACTION_TYPES as readonly string[]).includes(type);
}

/**
 * What Stripe.js needs to finish the PaymentIntent's 3-D Secure, read from Stripe now; null when Stripe
 * no longer waits for the customer (they finished meanwhile, or the hold was given up).
 */
export async function readHoldNextAction(
  gateway: HoldNextActionGateway,
  paymentIntentId: string,
): Promise<HoldNextAction | null> {
  const paymentIntent = await gateway.retrievePaymentIntent(paymentIntentId);
  const action = paymentIntent.next_action;
  if (paymentIntent.status !== 'requires_action' || !action || !isHoldNextActionType(action.type)) return null;
  if (!paymentIntent.client_secret) throw new Error(`PaymentIntent ${paymentIntentId} has no client secret`);
  const redirectUrl = action.type === 'redirect_to_url' ? action.redirect_to_url?.url : undefined;
  return {
    paymentIntentId: paymentIntent.id,
    clientSecret: paymentIntent.client_secret,
    type: action.type,
    ...(redirectUrl && { redirectUrl }),
  };
}
