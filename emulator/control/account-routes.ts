/** `/_emulator/account`: the emulated account's merchant category, which decides extended authorizations. */
import { Hono } from 'hono';
import { z } from 'zod';
import { MERCHANT_CATEGORIES } from '../payments/authorization-validity.js';
import { readJsonBody } from './control-error.js';
import type { EmulatorControls } from './emulator-controls.js';

const accountSchema = z.object({ merchantCategory: z.enum(MERCHANT_CATEGORIES) }).strict();

/** Account control routes: read and set the merchant category (until the next reset). */
export function accountRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();
  routes.get('/', (c) => c.json({ merchantCategory: controls.runtime.merchantCategory }));
  routes.post('/', async (c) => {
    const { merchantCategory } = await readJsonBody(c, accountSchema);
    controls.runtime.merchantCategory = merchantCategory;
    return c.json({ merchantCategory });
  });
  return routes;
}
