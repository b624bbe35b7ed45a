/** The emulator's control API under `/_emulator` (JSON, no auth): account, clock, faults, inspection, bank debits, SetupIntents, mandates, reset. */
import { Hono } from 'hono';
import { accountRoutes } from './account-routes.js';
import { bankDebitControlRoutes } from './bank-debit-control-routes.js';
import { clockRoutes } from './clock-routes.js';
import type { EmulatorControls } from './emulator-controls.js';
import { faultRoutes } from './fault-routes.js';
import { paymentIntentControlRoutes } from './payment-intent-control-routes.js';
import { savedPaymentMethodControlRoutes } from './saved-payment-method-control-routes.js';
import { setupIntentControlRoutes } from './setup-intent-control-routes.js';
import { webhookControlRoutes } from './webhook-control-routes.js';

/** All control routes, to mount at `/_emulator`. */
export function controlRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();
  routes.route('/account', accountRoutes(controls));
  routes.route('/clock', clockRoutes(controls));
  routes.route('/faults', faultRoutes(controls));
  routes.route('/payment_intents', paymentIntentControlRoutes(controls));
  routes.route('/setup_intents', setupIntentControlRoutes(controls));
  routes.route('/', bankDebitControlRoutes(controls));
  routes.route('/', savedPaymentMethodControlRoutes(controls));
  routes.route('/', webhookControlRoutes(controls));
  routes.get('/requests', (c) => c.json({ data: controls.requestLog.list() }));
  routes.get('/idempotency_keys', (c) =>
    c.json({ remembered: controls.idempotency.size(), inFlight: controls.idempotency.inFlight() }),
  );
  routes.post('/reset', (c) => {
    controls.reset();
    return c.json({ reset: true });
  });
  return routes;
}
