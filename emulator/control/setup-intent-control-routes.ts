/**
 * `/_emulator/setup_intents`: complete a SetupIntent's 3-D Secure challenge, and its hosted
 * microdeposit verification page (the `hosted_verification_url` of `verify_with_microdeposits`).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { AUTOMATIC_ORIGIN } from '../objects/event.js';
import type { SetupIntentObject } from '../objects/setup-intent.js';
import { NotAwaitingAuthenticationError } from '../payments/complete-authentication.js';
import { completeSetupAuthentication } from '../setup-intents/complete-setup-authentication.js';
import { verifySetupMicrodeposits } from '../setup-intents/verify-setup-microdeposits.js';
import { ControlError, readJsonBody } from './control-error.js';
import type { EmulatorControls } from './emulator-controls.js';

const authenticationSchema = z.object({ outcome: z.enum(['succeed', 'fail']) }).strict();

const hostedVerificationSchema = z.union([
  z.object({ descriptor_code: z.string().min(1) }).strict(),
  z.object({ amounts: z.array(z.number().int().min(0)).length(2) }).strict(),
]);

/** SetupIntent control routes. */
export function setupIntentControlRoutes(controls: EmulatorControls): Hono {
  const routes = new Hono();
  const { runtime } = controls;
  const load = (id: string): SetupIntentObject => {
    const setupIntent = runtime.store.setupIntents.get(id);
    if (!setupIntent) throw new ControlError(404, 'not_found', `no SetupIntent ${id}`);
    return setupIntent;
  };

  routes.post('/:id/authenticate', async (c) => {
    const { outcome } = await readJsonBody(c, authenticationSchema);
    const setupIntent = load(c.req.param('id'));
    try {
      completeSetupAuthentication(runtime, setupIntent, outcome);
    } catch (error) {
      if (error instanceof NotAwaitingAuthenticationError) throw new ControlError(409, 'conflict', error.message);
      throw error;
    }
    return c.json(setupIntent);
  });

  routes.get('/:id/verify_microdeposits', (c) => {
    const setupIntent = load(c.req.param('id'));
    const next =
      setupIntent.next_action?.type === 'verify_with_microdeposits'
        ? setupIntent.next_action.verify_with_microdeposits
        : null;
    return c.json({
      setupIntent: setupIntent.id,
      status: setupIntent.status,
      microdepositType: next?.microdeposit_type ?? null,
      arrivalDate: next?.arrival_date ?? null,
      submit: 'POST this URL with {"descriptor_code": "SM11AA"} or {"amounts": [32, 45]}',
    });
  });

  routes.post('/:id/verify_microdeposits', async (c) => {
    const proof = await readJsonBody(c, hostedVerificationSchema);
    const setupIntent = load(c.req.param('id'));
    // Stripe's errors (mismatch, attempts exceeded, …) are answered as Stripe error objects.
    verifySetupMicrodeposits(
      runtime,
      setupIntent,
      'amounts' in proof
        ? { kind: 'amounts', amounts: proof.amounts }
        : { kind: 'descriptor_code', descriptorCode: proof.descriptor_code },
      AUTOMATIC_ORIGIN,
    );
    return c.json(setupIntent);
  });

  return routes;
}
