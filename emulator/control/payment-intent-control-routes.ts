/**
 * `/_emulator/payment_intents`: list PaymentIntents by booking, complete 3-D Secure challenges, and
 * let a held authorization lapse now with a Stripe-set reason.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { STRIPE_CANCELLATION_REASONS } from '../objects/payment-intent.js';
import { completeAuthentication, NotAwaitingAuthenticationError } from '../payments/complete-authentication.js';
import { expireAuthorization } from '../payments/expire-authorizations.js';
import { ControlError, readJsonBody } from './control-error.js';
import type { EmulatorControls } from './emulator-controls.js';

const authenticationSchema = z.object({ outcome: z.enum(['succeed', 'fail']) }).strict();
const expirySchema = z.object({ reason: z.enum(STRIPE_CANCELLATION_REASONS).default('automatic') }).strict();

/** PaymentIntent inspection and 3-D Secure routes. */
export function paymentIntentControlRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();
  const { runtime } = controls;

  routes.get('/', (c) => {
    const bookingId = c.req.query('booking_id');
    const paymentIntents = [...runtime.store.paymentIntents.values()].filter(
      (paymentIntent) => bookingId === undefined || paymentIntent.metadata.booking_id === bookingId,
    );
    return c.json({ data: paymentIntents });
  });

  routes.post('/:id/authenticate', async (c) => {
    const { outcome } = await readJsonBody(c, authenticationSchema);
    const paymentIntent = runtime.store.paymentIntents.get(c.req.param('id'));
    if (!paymentIntent) throw new ControlError(404, 'not_found', `no PaymentIntent ${c.req.param('id')}`);
    try {
      completeAuthentication(runtime, paymentIntent, outcome);
    } catch (error) {
      if (error instanceof NotAwaitingAuthenticationError) throw new ControlError(409, 'conflict', error.message);
      throw error;
    }
    return c.json(paymentIntent);
  });

  routes.post('/:id/expire', async (c) => {
    const { reason } = await readJsonBody(c, expirySchema);
    const paymentIntent = runtime.store.paymentIntents.get(c.req.param('id'));
    if (!paymentIntent) throw new ControlError(404, 'not_found', `no PaymentIntent ${c.req.param('id')}`);
    if (paymentIntent.status !== 'requires_capture') {
      throw new ControlError(
        409,
        'conflict',
        `PaymentIntent ${paymentIntent.id} holds no authorization (${paymentIntent.status})`,
      );
    }
    expireAuthorization(runtime, paymentIntent, reason);
    return c.json(paymentIntent);
  });

  return routes;
}
