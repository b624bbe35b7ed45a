/**
 * What a publishable key may do, as Stripe allows it: Stripe.js reads a PaymentIntent with its client
 * secret (docs.stripe.com/api/payment_intents/retrieve, docs.stripe.com/js/payment_intents/handle_next_action);
 * every server-side call is refused. Confirming with a publishable key (Stripe.js `confirmCardPayment`)
 * is not modelled: the product confirms server-side and hands over only the next action.
 */
import type { MiddlewareHandler } from 'hono';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { assertPaymentIntentClientSecret } from '../payments/client-secret-check.js';
import { authenticationFailed, parameterInvalid, resourceMissing } from '../stripe-errors.js';

const PAYMENT_INTENT_PATH = /^\/v1\/payment_intents\/([^/]+)$/;
const CONFIRM_PATH = /^\/v1\/payment_intents\/[^/]+\/confirm$/;

/** Middleware (after `formParams`) that confines a publishable key to reading a PaymentIntent with its client secret. */
export function publishableKeyScope(runtime: EmulatorRuntime): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    if (c.get('apiKeyKind') !== 'publishable') return next();
    const paymentIntentId = c.req.method === 'GET' ? PAYMENT_INTENT_PATH.exec(c.req.path)?.[1] : undefined;
    if (paymentIntentId === undefined) {
      if (c.req.method === 'POST' && CONFIRM_PATH.test(c.req.path)) {
        throw parameterInvalid(
          'key',
          'The Stripe emulator does not model confirming a PaymentIntent with a publishable key; confirm it with the secret key.',
          'parameter_invalid_string',
        );
      }
      throw authenticationFailed(
        'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
      );
    }
    const paymentIntent = runtime.store.paymentIntents.get(paymentIntentId);
    if (!paymentIntent) throw resourceMissing('payment_intent', paymentIntentId, 'intent');
    assertPaymentIntentClientSecret(paymentIntent, c.get('params').optionalString('client_secret'));
    await next();
  };
}
