/** `/v1/refunds`: create, list (by PaymentIntent or charge) and retrieve. */
import { Hono } from 'hono';
import { expandObject } from '../expand.js';
import { REFUND_REASONS } from '../objects/refund.js';
import { createRefund } from '../payments/create-refund.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { parameterInvalid, resourceMissing } from '../stripe-errors.js';
import { eventOrigin } from './event-origin.js';
import { PAGING_PARAMETERS, listAnswer } from './object-list.js';
import { stripeJson } from './stripe-json.js';

const CREATE_PARAMETERS = [
  'amount',
  'charge',
  'currency',
  'customer',
  'expand',
  'instructions_email',
  'metadata',
  'origin',
  'payment_intent',
  'reason',
  'refund_application_fee',
  'reverse_transfer',
] as const;

/** Routes for Refund objects. */
export function refundRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();
  const findObject = (id: string) => runtime.store.findObject(id);

  routes.post('/', (c) => {
    const params = c.get('params').rejectUnknown(CREATE_PARAMETERS);
    const paymentIntentId = params.optionalString('payment_intent');
    const chargeId = params.optionalString('charge');
    if (!paymentIntentId && !chargeId)
      throw parameterInvalid(
        'payment_intent',
        'One of the following params should be provided for this request: payment_intent or charge.',
      );
    const refund = createRefund(
      runtime,
      {
        paymentIntentId,
        chargeId,
        amount: params.optionalInteger('amount'),
        reason: params.optionalEnum('reason', REFUND_REASONS) ?? null,
        metadata: params.metadata() ?? {},
      },
      eventOrigin(c),
    );
    return stripeJson(c, expandObject(refund, params.expand(), findObject));
  });

  // Filtered by `payment_intent` or `charge`: docs.stripe.com/api/refunds/list.
  routes.get('/', (c) => {
    const params = c.get('params').rejectUnknown([...PAGING_PARAMETERS, 'charge', 'payment_intent']);
    const paymentIntentId = params.optionalString('payment_intent');
    const chargeId = params.optionalString('charge');
    const refunds = [...runtime.store.refunds.values()].filter(
      (refund) =>
        (paymentIntentId === undefined || refund.payment_intent === paymentIntentId) &&
        (chargeId === undefined || refund.charge === chargeId),
    );
    return listAnswer(c, runtime, 'refund', '/v1/refunds', refunds);
  });

  routes.get('/:id', (c) => {
    const refund = runtime.store.refunds.get(c.req.param('id'));
    if (!refund) throw resourceMissing('refund', c.req.param('id'));
    return stripeJson(c, expandObject(refund, c.get('params').expand(), findObject));
  });

  return routes;
}
