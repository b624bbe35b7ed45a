/**
 * Hold plans through the API: `holdPlan` on `POST /v1/bookings` (default from configuration, checked
 * against the four plans), the plan's fields in the booking view, and the next-action route for a
 * renewal that waits for the customer's authentication while the current authorization still holds.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../api/create-app.js';
import { createApp } from '../../api/create-app.js';
import { createPaymentGateway } from '../../stripe/payment-gateway.js';
import {
  DEFAULT_HOLD_POLICY,
  bookingWorkflowId,
  initialBookingState,
  stripeEventSignal,
  type BookingInput,
  type BookingState,
} from '../../workflows/booking/contract.js';
import { toBookingView } from '../../api/booking/booking-view.js';
import { BookingViewSchema } from '../../api/booking/schemas.js';
import { holdParams, startRunningEmulator, type RunningEmulator } from '../../harness/running-emulator.js';
import { handleNextAction } from '../../harness/stripe-js-stand-in.js';
import { waitFor } from '../../harness/wait-for.js';
import { authJson, bookingBody, startApiHarness, type ApiHarness } from './fixtures/api-harness.js';

let harness: ApiHarness;
let running: RunningEmulator;
let app: App;

beforeAll(async () => {
  harness = await startApiHarness();
  running = await startRunningEmulator();
  app = harness.appWith({ gateway: createPaymentGateway(running.stripe) });
});

afterAll(async () => {
  await running?.close();
  await harness?.teardown();
});

async function create(body: Record<string, unknown>, on: App = app) {
  const response = await on.request('/v1/bookings', {
    method: 'POST',
    headers: authJson(),
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** A booking's state as a run from before hold plans keeps it (no plan in its input). */
function stateWithoutPlan(): BookingState {
  return initialBookingState(
    {
      bookingId: 'bk-view',
      customer: { id: 'cust_42', email: 'ada@example.com', name: 'Ada Lovelace' },
      holdPaymentMethod: 'pm_card_visa',
      startsAt: '2030-05-01T10:00:00+02:00',
      endsAt: '2030-05-01T12:00:00+02:00',
      policy: DEFAULT_HOLD_POLICY,
    },
    new Date('2030-04-08T10:00:00Z'),
  );
}

async function startedInput(bookingId: string): Promise<BookingInput> {
  const history = await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  return JSON.parse(Buffer.from(payload as Uint8Array).toString('utf8')) as BookingInput;
}

describe('holdPlan on POST /v1/bookings', () => {
  it.each(['auto', 'renew', 'defer', 'single'] as const)(
    'hands the workflow the %s plan and shows it',
    async (plan) => {
      const bookingId = `bk-plan-${randomUUID()}`;
      const created = await create(bookingBody(bookingId, { holdPlan: plan }));
      expect(created.status).toBe(201);
      expect(created.body.hold).toMatchObject({
        plan,
        validUntil: null,
        nextAuthorizationAt: null,
        authorizations: [],
      });
      expect((await startedInput(bookingId)).holdPlan).toBe(plan);
    },
  );

  it('gives a booking without holdPlan the configured default', async () => {
    const single = createApp({
      temporal: harness.temporal,
      db: harness.db,
      config: { ...harness.config, HOLD_DEFAULT_PLAN: 'single', HOLD_EXTENDED_AUTHORIZATION: true },
    });
    const bookingId = `bk-plan-${randomUUID()}`;
    expect((await create(bookingBody(bookingId), single)).body.hold.plan).toBe('single');
    const input = await startedInput(bookingId);
    expect(input.holdPlan).toBe('single');
    expect(input.policy).toMatchObject({ extendedAuthorization: true, renewalMarginSeconds: 12 * 3600 });
  });

  it('refuses a plan it does not know with 422 validation_failed', async () => {
    const refused = await create(bookingBody(`bk-plan-${randomUUID()}`, { holdPlan: 'forever' }));
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('validation_failed');
    expect(refused.body.error.message).toMatch(/holdPlan/);
  });
});

describe('the plan in the booking view', () => {
  it('shows a renewal chain as the workflow keeps it, and a run from before plans as single', () => {
    const view = toBookingView({
      ...stateWithoutPlan(),
      hold: {
        ...stateWithoutPlan().hold,
        status: 'held',
        plan: 'renew',
        validUntil: '2030-04-20T10:00:00.000Z',
        nextAuthorizationAt: '2030-04-19T22:00:00.000Z',
        renewals: 1,
        authorizations: [
          {
            id: 'pi_first',
            renewal: 0,
            attempt: 1,
            purpose: 'hold',
            offSession: false,
            authorizedAt: '2030-04-08T10:00:00.000Z',
            validUntil: '2030-04-15T10:00:00.000Z',
            extended: false,
            outcome: 'released',
            declineCode: null,
            endedAt: '2030-04-14T22:00:05.000Z',
          },
          {
            id: 'pi_second',
            renewal: 1,
            attempt: 1,
            purpose: 'hold',
            offSession: true,
            authorizedAt: '2030-04-14T22:00:00.000Z',
            validUntil: '2030-04-19T16:00:00.000Z',
            extended: false,
            outcome: 'held',
            declineCode: null,
            endedAt: null,
          },
        ],
        pendingRenewal: null,
        renewalPaymentMethod: 'pm_saved',
      },
    });
    expect(BookingViewSchema.parse(view)).toEqual(view);
    expect(view.hold).toMatchObject({
      plan: 'renew',
      validUntil: '2030-04-20T10:00:00.000Z',
      nextAuthorizationAt: '2030-04-19T22:00:00.000Z',
    });
    expect(view.hold.authorizations.map((a) => [a.id, a.outcome])).toEqual([
      ['pi_first', 'released'],
      ['pi_second', 'held'],
    ]);
    expect(view.hold).not.toHaveProperty('renewalPaymentMethod');

    const before = toBookingView(stateWithoutPlan());
    expect(before.hold).toMatchObject({
      plan: 'single',
      validUntil: null,
      nextAuthorizationAt: null,
      authorizations: [],
    });
  });
});

describe('GET /v1/bookings/{bookingId}/hold/next-action for a renewal', () => {
  it("hands over the renewal's client secret while the current authorization still holds", async () => {
    const bookingId = `bk-renewal-${randomUUID()}`;
    expect((await create(bookingBody(bookingId, { holdPlan: 'renew' }))).status).toBe(201);
    const before = await app.request(`/v1/bookings/${bookingId}/hold/next-action`, { headers: authJson() });
    expect(before.status).toBe(409);

    const renewal = await running.stripe.paymentIntents.create(holdParams(bookingId, 'pm_card_threeDSecure2Required'));
    expect(renewal.status).toBe('requires_action');
    await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).signal(stripeEventSignal, {
      eventId: `evt_${randomUUID().replace(/-/g, '')}`,
      type: 'payment_intent.requires_action',
      created: Math.floor(Date.now() / 1000),
      objectId: renewal.id,
      paymentIntentId: renewal.id,
      objectStatus: 'requires_action',
      cancellationReason: null,
    });
    await waitFor(async () => (await harness.bookingState(bookingId)).hold.pendingRenewal != null, {
      description: 'renewal waiting for the customer',
    });

    const response = await app.request(`/v1/bookings/${bookingId}/hold/next-action`, { headers: authJson() });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ paymentIntentId: renewal.id, type: 'use_stripe_sdk' });
    expect((await harness.bookingState(bookingId)).hold.status).toBe('held');
    expect((await handleNextAction(running.url, body.clientSecret)).status).toBe('requires_capture');
  });
});
