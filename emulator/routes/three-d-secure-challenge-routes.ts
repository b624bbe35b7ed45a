/**
 * The issuer's 3-D Secure challenge page, as the emulator stands in for it at `/3d_secure_2/hosted`
 * (Stripe serves it from hooks.stripe.com). Stripe.js opens it from `next_action.use_stripe_sdk.stripe_js`
 * when the front end calls `stripe.handleNextAction({ clientSecret })` (docs.stripe.com/js/payment_intents/handle_next_action,
 * docs.stripe.com/payments/3d-secure); a redirect flow sends the browser to `next_action.redirect_to_url.url`.
 * In test mode the page offers "Complete" and "Fail" (docs.stripe.com/testing#regulatory-cards).
 *
 * As harsh as Stripe: the page acts for a browser holding the PaymentIntent's client secret and the
 * account's publishable key, never for the server's secret key, and a wrong client secret is refused.
 * The URL itself carries no secret, so next actions stored in webhooks or logs give nothing away.
 */
import { Hono, type Context } from 'hono';
import { parseStripeForm } from '../form-body.js';
import { isPublishableTestKey, redactKey } from '../middleware/api-key-auth.js';
import { publishablePaymentIntent, type PaymentIntentObject } from '../objects/payment-intent.js';
import { assertPaymentIntentClientSecret } from '../payments/client-secret-check.js';
import {
  completeAuthentication,
  NotAwaitingAuthenticationError,
  type AuthenticationOutcome,
} from '../payments/complete-authentication.js';
import { RequestParams } from '../request-params.js';
import type { EmulatorRuntime } from '../runtime.js';
import {
  authenticationFailed,
  parameterInvalid,
  paymentIntentUnexpectedState,
  resourceMissing,
} from '../stripe-errors.js';
import { stripeJson } from './stripe-json.js';

/** The page's buttons, and what each tells the issuer. */
const OUTCOMES: Record<string, AuthenticationOutcome> = { complete: 'succeed', fail: 'fail' };

/** The query string (the page's URL) and the form body (the body wins). */
async function pageParams(c: Context): Promise<RequestParams> {
  const query = parseStripeForm(new URL(c.req.url).search.replace(/^\?/, ''));
  const body = parseStripeForm(await c.req.text());
  return new RequestParams({ ...query, ...body });
}

function requirePublishableKey(params: RequestParams): void {
  const key = params.optionalString('publishable_key');
  if (key === undefined) {
    throw authenticationFailed(
      'You did not provide an API key. The 3-D Secure page needs your publishable key (publishable_key).',
    );
  }
  if (!isPublishableTestKey(key)) throw authenticationFailed(`Invalid API Key provided: ${redactKey(key)}`);
}

/** The challenge page: a POST is the customer pressing Complete or Fail. */
export function threeDSecureChallengeRoutes(runtime: EmulatorRuntime): Hono {
  const routes = new Hono();

  const challengedPaymentIntent = (params: RequestParams): PaymentIntentObject => {
    requirePublishableKey(params);
    const id = params.requiredString('payment_intent');
    const paymentIntent = runtime.store.paymentIntents.get(id);
    if (!paymentIntent) throw resourceMissing('payment_intent', id, 'payment_intent');
    assertPaymentIntentClientSecret(
      paymentIntent,
      params.optionalString('payment_intent_client_secret'),
      'payment_intent_client_secret',
    );
    return paymentIntent;
  };

  routes.post('/', async (c) => {
    const params = await pageParams(c);
    const paymentIntent = challengedPaymentIntent(params);
    const outcome = OUTCOMES[params.requiredString('outcome')];
    if (!outcome) throw parameterInvalid('outcome', 'Invalid outcome: must be complete or fail');
    try {
      completeAuthentication(runtime, paymentIntent, outcome);
    } catch (error) {
      if (!(error instanceof NotAwaitingAuthenticationError)) throw error;
      throw paymentIntentUnexpectedState(
        `This PaymentIntent has a status of ${paymentIntent.status}; it is not waiting for 3-D Secure.`,
        publishablePaymentIntent(paymentIntent),
      );
    }
    return stripeJson(c, publishablePaymentIntent(paymentIntent));
  });

  return routes;
}
