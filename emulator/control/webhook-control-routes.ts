/** `/_emulator/webhooks` and `/_emulator/events/:id/redeliver`: see, release, drop and repeat webhook deliveries. */
import { Hono } from 'hono';
import { ControlError } from './control-error.js';
import type { EmulatorControls } from './emulator-controls.js';

/** Webhook delivery control routes, mounted at `/_emulator`. */
export function webhookControlRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();

  routes.get('/webhooks/deliveries', (c) => c.json({ data: controls.webhooks.list() }));

  routes.post('/webhooks/flush', (c) => c.json({ released: controls.webhooks.flush() }));

  // A lost webhook: the receiver never sees the held deliveries (the events stay listed in /v1/events).
  routes.post('/webhooks/drop', (c) => c.json({ dropped: controls.webhooks.drop() }));

  routes.post('/events/:id/redeliver', (c) => {
    const event = controls.runtime.store.eventsById.get(c.req.param('id'));
    if (!event) throw new ControlError(404, 'not_found', `no event ${c.req.param('id')}`);
    const delivery = controls.webhooks.redeliver(event);
    if (!delivery) throw new ControlError(409, 'conflict', 'no webhook endpoint is configured');
    return c.json(delivery, 202);
  });

  return routes;
}
