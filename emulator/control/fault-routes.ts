/** `/_emulator/faults`: inject and clear failures, latency and webhook disturbances. */
import { Hono } from 'hono';
import { faultPlanSchema } from '../faults.js';
import { readJsonBody } from './control-error.js';
import type { EmulatorControls } from './emulator-controls.js';

/** Fault control routes. */
export function faultRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();
  routes.get('/', (c) => c.json(controls.faults.describe()));
  routes.post('/', async (c) => {
    controls.faults.apply(await readJsonBody(c, faultPlanSchema));
    return c.json(controls.faults.describe());
  });
  routes.delete('/', (c) => {
    controls.faults.clear();
    return c.json(controls.faults.describe());
  });
  return routes;
}
