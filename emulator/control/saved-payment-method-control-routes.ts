/**
 * Control routes for saved payment methods, mounted at `/_emulator`: revoke a mandate (as the
 * customer or their bank would) and let a saved card expire.
 */
import { Hono } from 'hono';
import { setMandateStatus } from '../bank-debits/mandates.js';
import { TEST_CARDS } from '../test-payment-methods.js';
import { ControlError } from './control-error.js';
import type { EmulatorControls } from './emulator-controls.js';

/** Saved payment method control routes. */
export function savedPaymentMethodControlRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();
  const { runtime } = controls;

  routes.post('/mandates/:id/revoke', (c) => {
    const mandate = runtime.store.mandates.get(c.req.param('id'));
    if (!mandate) throw new ControlError(404, 'not_found', `no mandate ${c.req.param('id')}`);
    if (mandate.status === 'inactive')
      throw new ControlError(409, 'conflict', `mandate ${mandate.id} is already inactive`);
    setMandateStatus(runtime, mandate.id, 'inactive');
    return c.json(mandate);
  });

  // The card's expiry moves to last year and its issuer declines as for pm_card_chargeDeclinedExpiredCard.
  routes.post('/payment_methods/:id/expire', (c) => {
    const record = runtime.store.paymentMethods.get(c.req.param('id'));
    if (!record?.object.card) throw new ControlError(404, 'not_found', `no card PaymentMethod ${c.req.param('id')}`);
    record.object.card.exp_year = new Date(runtime.clock.nowSeconds() * 1000).getUTCFullYear() - 1;
    record.behaviour = TEST_CARDS.pm_card_chargeDeclinedExpiredCard.behaviour;
    return c.json(record.object);
  });

  return routes;
}
