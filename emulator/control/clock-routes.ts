/** `/_emulator/clock`: read emulator time and move it forward. */
import { Hono } from 'hono';
import { z } from 'zod';
import { readJsonBody } from './control-error.js';
import type { EmulatorControls } from './emulator-controls.js';

const advanceSchema = z.object({ seconds: z.number().int().min(0) }).strict();

/** Clock control routes. */
export function clockRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();
  const describe = () => {
    const now = controls.runtime.clock.nowSeconds();
    return { now, iso: new Date(now * 1000).toISOString(), offsetSeconds: controls.runtime.clock.offsetSeconds() };
  };

  routes.get('/', (c) => c.json(describe()));

  routes.post('/advance', async (c) => {
    const { seconds } = await readJsonBody(c, advanceSchema);
    controls.runtime.clock.advance(seconds);
    const expiredPaymentIntents = controls.catchUp();
    return c.json({ ...describe(), expiredPaymentIntents });
  });

  return routes;
}
