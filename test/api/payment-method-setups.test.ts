/**
 * HTTP contract of saving a payment method: starting a setup (update-with-start, the SetupIntent's
 * client secret read from Stripe for the answer only), reading it, its microdeposits, cancelling it;
 * and the webhooks that reach setups (SetupIntent events relayed to their setup's workflow).
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiStripeGateway, App } from '../../api/create-app.js';
import type { LogFields } from '../../telemetry/logger.js';
import { paymentMethodSetupWorkflowId } from '../../workflows/setup/contract.js';
import { waitFor } from '../../harness/wait-for.js';
import { authJson, startApiHarness, stripeSignature, type ApiHarness } from './fixtures/api-harness.js';
import { VERIFYING_DESCRIPTOR_CODE } from './fixtures/booking-workflow-stub.js';
import {
  REFUSED_SETUP_EMAIL,
  STUB_SETUP_BANK_PAYMENT_METHOD,
  stubSetupIntentId,
} from './fixtures/payment-method-setup-workflow-stub.js';
import { createStubSetupGateway, stubClientSecret } from './fixtures/stub-setup-gateway.js';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness({ withRelay: true, env: { SETUP_COMPLETION_TIMEOUT_SECONDS: '7200' } });
});

afterAll(async () => {
  await harness?.teardown();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter += 1)}`;

async function request(method: string, path: string, body?: unknown, app: App = harness.app) {
  const response = await app.request(path, {
    method,
    headers: authJson(),
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const card = (overrides: Record<string, unknown> = {}) => ({
  type: 'card',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  ...overrides,
});

const setupsOf = (customerId: string) => `/v1/customers/${customerId}/payment-methods`;

/** Starts a setup and expects 201. */
async function startSetup(customerId: string, body: Record<string, unknown>) {
  const started = await request('POST', setupsOf(customerId), body);
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return started.body;
}

/** The workflow's history, payloads decoded to text, as an operator would read it. */
async function readableHistory(setupId: string): Promise<string> {
  const history = await harness.temporal.workflow.getHandle(paymentMethodSetupWorkflowId(setupId)).fetchHistory();
  return JSON.stringify(history, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('utf8');
    return value;
  });
}

describe('POST /v1/customers/:customerId/payment-methods', () => {
  it('starts the setup workflow and answers 201 with the SetupIntent and its client secret', async () => {
    const customerId = unique('cust');
    const setupId = unique('setup');
    const body = await startSetup(customerId, card({ setupId }));

    expect(body).toEqual({
      setupId,
      workflowId: paymentMethodSetupWorkflowId(setupId),
      customerId,
      type: 'card',
      status: 'requires_payment_method',
      setupIntentId: stubSetupIntentId(setupId),
      paymentMethodId: null,
      microdeposits: null,
      failureCode: null,
      actionDeadline: expect.any(String),
      reason: null,
      done: false,
      savedPaymentMethod: null,
      updatedAt: expect.any(String),
      clientSecret: stubClientSecret(stubSetupIntentId(setupId)),
    });

    const history = await readableHistory(setupId);
    const started = JSON.parse(
      Buffer.from(
        (await harness.temporal.workflow.getHandle(paymentMethodSetupWorkflowId(setupId)).fetchHistory()).events![0]
          .workflowExecutionStartedEventAttributes!.input!.payloads![0].data!,
      ).toString('utf8'),
    );
    expect(started).toEqual({
      setupId,
      customer: { id: customerId, email: 'ada@example.com', name: 'Ada Lovelace' },
      type: 'card',
      verification: 'automatic',
      policy: { completionTimeoutSeconds: 7200 },
    });
    expect(history.includes(body.clientSecret), 'client secret in the workflow history').toBe(false);
  });

  it('never logs the client secret, on success or failure', async () => {
    const lines: string[] = [];
    const record = (message: string, fields?: LogFields) => lines.push(JSON.stringify({ message, ...fields }));
    const logger = { info: record, warn: record, error: record };
    const app = harness.appWith({ gateway: harness.setupGateway, logger });
    const customerId = unique('cust');
    const setupId = unique('setup');
    const started = await request('POST', setupsOf(customerId), card({ setupId }), app);
    const repeated = await request('POST', setupsOf(customerId), card({ setupId }), app);
    const unreachable: ApiStripeGateway = {
      ...createStubSetupGateway(),
      retrieveSetupIntent: () =>
        Promise.reject(new Stripe.errors.StripeConnectionError({ type: 'api_error', message: 'connect ECONNREFUSED' })),
    };
    const failed = await request(
      'POST',
      setupsOf(customerId),
      card({ setupId }),
      harness.appWith({ gateway: unreachable, logger }),
    );

    expect(started.body.clientSecret).toMatch(/_secret_/);
    expect(repeated.body.clientSecret).toBe(started.body.clientSecret);
    expect(failed.status).toBe(503);
    expect(lines.length, 'the failure was logged').toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('_secret_');
  });

  it('generates a setup id when none is given', async () => {
    const body = await startSetup(unique('cust'), card());
    expect(body.setupId).toMatch(/^setup_[0-9a-f-]{36}$/);
    expect(body.setupIntentId).toBe(stubSetupIntentId(body.setupId));
  });

  it('answers 200 with the same setup and client secret when the request is repeated', async () => {
    const customerId = unique('cust');
    const setupId = unique('setup');
    const first = await startSetup(customerId, card({ setupId }));

    const again = await request('POST', setupsOf(customerId), card({ setupId }));

    expect(again.status).toBe(200);
    expect(again.body.setupIntentId).toBe(first.setupIntentId);
    expect(again.body.clientSecret).toBe(first.clientSecret);
    const runs = [];
    for await (const run of harness.temporal.workflow.list({
      query: `WorkflowId = '${paymentMethodSetupWorkflowId(setupId)}'`,
    })) {
      runs.push(run);
    }
    expect(runs).toHaveLength(1);
  });

  it('answers 409 setup_conflict for a setup id used by another customer or with another type', async () => {
    const customerId = unique('cust');
    const setupId = unique('setup');
    await startSetup(customerId, card({ setupId }));

    const otherCustomer = await request('POST', setupsOf(unique('cust')), card({ setupId }));
    const otherType = await request('POST', setupsOf(customerId), card({ setupId, type: 'us_bank_account' }));

    for (const answer of [otherCustomer, otherType]) {
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('setup_conflict');
    }
  });

  it('answers a finished setup with its final state and no client secret', async () => {
    const customerId = unique('cust');
    const setupId = unique('setup');
    await startSetup(customerId, card({ setupId }));
    await request('POST', `${setupsOf(customerId)}/setups/${setupId}/cancel`);
    await harness.temporal.workflow.getHandle(paymentMethodSetupWorkflowId(setupId)).result();

    const again = await request('POST', setupsOf(customerId), card({ setupId }));

    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ setupId, status: 'canceled', done: true, clientSecret: null });
  });

  it('answers 502 setup_intent_not_created when Stripe refused the SetupIntent, every time', async () => {
    const customerId = unique('cust');
    const setupId = unique('setup');
    for (const expected of [502, 502]) {
      const { status, body } = await request(
        'POST',
        setupsOf(customerId),
        card({ setupId, email: REFUSED_SETUP_EMAIL }),
      );
      expect(status).toBe(expected);
      expect(body.error.code).toBe('setup_intent_not_created');
      expect(body.error.message).toContain('StripeInvalidRequest');
    }
  });

  it('answers 503 stripe_unavailable when the client secret cannot be read from Stripe', async () => {
    const unreachable: ApiStripeGateway = {
      ...createStubSetupGateway(),
      retrieveSetupIntent: () =>
        Promise.reject(new Stripe.errors.StripeConnectionError({ type: 'api_error', message: 'connect ECONNREFUSED' })),
    };
    const { status, body } = await request(
      'POST',
      setupsOf(unique('cust')),
      card(),
      harness.appWith({ gateway: unreachable }),
    );
    expect(status).toBe(503);
    expect(body.error.code).toBe('stripe_unavailable');
  });

  it('hands a bank account its verification, automatic by default', async () => {
    const customerId = unique('cust');
    const instant = await startSetup(customerId, card({ type: 'us_bank_account', verification: 'instant' }));
    const automatic = await startSetup(customerId, card({ type: 'us_bank_account' }));

    expect((await harness.setupState(instant.setupId)).type).toBe('us_bank_account');
    const inputOf = async (setupId: string) => {
      const history = await harness.temporal.workflow.getHandle(paymentMethodSetupWorkflowId(setupId)).fetchHistory();
      const data = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!;
      return JSON.parse(Buffer.from(data).toString('utf8'));
    };
    expect((await inputOf(instant.setupId)).verification).toBe('instant');
    expect((await inputOf(automatic.setupId)).verification).toBe('automatic');
  });

  it('answers 422 validation_failed for a bad body or customer id, and starts nothing', async () => {
    const cases: Array<[string, unknown, string]> = [
      [setupsOf('cust_1'), card({ verification: 'instant' }), 'verification'],
      [setupsOf('cust_1'), card({ type: 'sepa_debit' }), 'type'],
      [setupsOf('cust_1'), card({ email: 'not-an-email' }), 'email'],
      [setupsOf('cust_1'), card({ name: '' }), 'name'],
      [setupsOf('cust_1'), card({ setupId: 'bad id' }), 'setupId'],
      [setupsOf('cust_1'), card({ cardNumber: '4242424242424242' }), 'cardNumber'],
      [setupsOf('c'.repeat(101)), card(), 'customerId'],
      [setupsOf('cust%00nul'), card(), 'customerId'],
    ];
    for (const [path, body, field] of cases) {
      const answer = await request('POST', path, body);
      expect(answer.status, field).toBe(422);
      expect(answer.body.error.code).toBe('validation_failed');
      expect(answer.body.error.message).toContain(field);
    }
  });

  it('answers 401 without the bearer token', async () => {
    const response = await harness.app.request(setupsOf('cust_1'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(card()),
    });
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('unauthorized');
  });
});

describe('GET /v1/customers/:customerId/payment-methods/setups/:setupId', () => {
  it("answers the setup's state without its client secret", async () => {
    const customerId = unique('cust');
    const started = await startSetup(customerId, card());

    const { status, body } = await request('GET', `${setupsOf(customerId)}/setups/${started.setupId}`);

    expect(status).toBe(200);
    const { clientSecret, ...view } = started;
    expect(clientSecret).toBeTruthy();
    expect(body).toEqual(view);
    expect(body).not.toHaveProperty('seenEventIds');
    expect(body).not.toHaveProperty('stripeCustomerId');
  });

  it("answers 404 setup_not_found for an unknown setup or another customer's", async () => {
    const started = await startSetup(unique('cust'), card());
    const unknown = await request('GET', `${setupsOf('cust_1')}/setups/never-started`);
    const other = await request('GET', `${setupsOf(unique('cust'))}/setups/${started.setupId}`);
    for (const answer of [unknown, other]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('setup_not_found');
    }
  });
});

describe('POST /v1/customers/:customerId/payment-methods/setups/:setupId/microdeposits', () => {
  const bankSetup = (customerId: string) =>
    startSetup(customerId, card({ type: 'us_bank_account', verification: 'microdeposits' }));

  it('counts down a mismatch, then verifies and answers the saved bank account', async () => {
    const customerId = unique('cust');
    const { setupId, microdeposits } = await bankSetup(customerId);
    expect(microdeposits).toMatchObject({ type: 'descriptor_code', attemptsRemaining: 10 });
    const path = `${setupsOf(customerId)}/setups/${setupId}/microdeposits`;

    const mismatch = await request('POST', path, { descriptorCode: 'SM99ZZ' });
    const verified = await request('POST', path, { descriptorCode: VERIFYING_DESCRIPTOR_CODE.toLowerCase() });

    expect(mismatch.status).toBe(200);
    expect(mismatch.body).toMatchObject({
      result: 'mismatch',
      attemptsRemaining: 9,
      setup: { status: 'requires_action' },
    });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({
      result: 'verified',
      setup: {
        status: 'succeeded',
        done: true,
        savedPaymentMethod: { paymentMethodId: STUB_SETUP_BANK_PAYMENT_METHOD, type: 'us_bank_account', last4: '6789' },
      },
    });
  });

  it('answers 409 not_awaiting_verification for a card, and once the setup has finished', async () => {
    const customerId = unique('cust');
    const cardSetup = await startSetup(customerId, card());
    const forCard = await request('POST', `${setupsOf(customerId)}/setups/${cardSetup.setupId}/microdeposits`, {
      descriptorCode: 'SM11AA',
    });
    expect(forCard.status).toBe(409);
    expect(forCard.body.error.code).toBe('not_awaiting_verification');

    const { setupId } = await bankSetup(customerId);
    const path = `${setupsOf(customerId)}/setups/${setupId}/microdeposits`;
    expect((await request('POST', path, { descriptorCode: VERIFYING_DESCRIPTOR_CODE })).status).toBe(200);
    await harness.temporal.workflow.getHandle(paymentMethodSetupWorkflowId(setupId)).result();
    const finished = await request('POST', path, { descriptorCode: VERIFYING_DESCRIPTOR_CODE });
    expect(finished.status).toBe(409);
    expect(finished.body.error.code).toBe('not_awaiting_verification');
  });

  it('answers 422 invalid_request for amounts when a descriptor code was sent, and 422 validation_failed for a bad body', async () => {
    const customerId = unique('cust');
    const { setupId } = await bankSetup(customerId);
    const path = `${setupsOf(customerId)}/setups/${setupId}/microdeposits`;

    const wrongKind = await request('POST', path, { amounts: [32, 45] });
    const badBody = await request('POST', path, { descriptorCode: 'XX11', amounts: [1, 2] });

    expect(wrongKind.status).toBe(422);
    expect(wrongKind.body.error.code).toBe('invalid_request');
    expect(badBody.status).toBe(422);
    expect(badBody.body.error.code).toBe('validation_failed');
    expect((await harness.setupState(setupId)).microdeposits?.attemptsRemaining).toBe(10);
  });

  it("answers 404 setup_not_found for another customer's setup and leaves it untouched", async () => {
    const { setupId } = await bankSetup(unique('cust'));
    const other = await request('POST', `${setupsOf(unique('cust'))}/setups/${setupId}/microdeposits`, {
      descriptorCode: VERIFYING_DESCRIPTOR_CODE,
    });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('setup_not_found');
    expect((await harness.setupState(setupId)).status).toBe('requires_action');
  });
});

describe('POST /v1/customers/:customerId/payment-methods/setups/:setupId/cancel', () => {
  it('cancels the setup, and answers a cancelled one again with its final state', async () => {
    const customerId = unique('cust');
    const { setupId } = await startSetup(customerId, card());
    const path = `${setupsOf(customerId)}/setups/${setupId}/cancel`;

    const cancelled = await request('POST', path);
    await harness.temporal.workflow.getHandle(paymentMethodSetupWorkflowId(setupId)).result();
    const again = await request('POST', path);

    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ setupId, status: 'canceled', done: true, actionDeadline: null });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(cancelled.body);
  });

  it("answers 404 setup_not_found for an unknown setup or another customer's", async () => {
    const { setupId } = await startSetup(unique('cust'), card());
    const other = await request('POST', `${setupsOf(unique('cust'))}/setups/${setupId}/cancel`);
    const unknown = await request('POST', `${setupsOf('cust_1')}/setups/never-started/cancel`);
    for (const answer of [other, unknown]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('setup_not_found');
    }
    expect((await harness.setupState(setupId)).done).toBe(false);
  });
});

describe('SetupIntent webhooks', () => {
  async function deliverWebhook(payload: string) {
    const response = await harness.app.request('/v1/webhooks/stripe', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripeSignature(payload) },
      body: payload,
    });
    return { status: response.status, body: await response.json() };
  }

  const setupIntentEvent = (eventId: string, setupId: string | null, type = 'setup_intent.succeeded') =>
    JSON.stringify({
      id: eventId,
      object: 'event',
      type,
      created: 1_900_000_000,
      data: {
        object: {
          id: `seti_${eventId}`,
          object: 'setup_intent',
          status: 'succeeded',
          client_secret: `seti_${eventId}_secret_abc`,
          metadata: setupId ? { setup_id: setupId, customer_id: 'cust_1' } : {},
        },
      },
    });

  const inboxRow = async (eventId: string) =>
    (
      await harness.db.query<{
        status: string;
        setup_id: string | null;
        booking_id: string | null;
        last_error: string | null;
      }>('SELECT status, setup_id, booking_id, last_error FROM stripe_events WHERE id = $1', [eventId])
    ).rows[0];

  it("stores a SetupIntent event with its setup id and relays it to the setup's workflow", async () => {
    const { setupId } = await startSetup(unique('cust'), card());
    const eventId = unique('evt');

    const { status } = await deliverWebhook(setupIntentEvent(eventId, setupId));

    expect(status).toBe(200);
    await waitFor(async () => (await inboxRow(eventId))?.status === 'relayed', { description: 'setup event relayed' });
    expect(await inboxRow(eventId)).toMatchObject({ setup_id: setupId, booking_id: null });
    expect((await harness.setupState(setupId)).seenEventIds).toEqual([eventId]);
    // The SetupIntent's client secret is not kept: nothing here needs it.
    const stored = await harness.db.query<{ payload: string }>(
      'SELECT payload::text AS payload FROM stripe_events WHERE id = $1',
      [eventId],
    );
    expect(stored.rows[0].payload).toContain(`seti_${eventId}`);
    expect(stored.rows[0].payload).not.toContain('_secret_');
  });

  it('ignores a SetupIntent event without a setup id', async () => {
    const eventId = unique('evt');
    await deliverWebhook(setupIntentEvent(eventId, null));
    expect(await inboxRow(eventId)).toMatchObject({ status: 'ignored', setup_id: null });
  });

  it('marks an event for a setup whose workflow has finished as closed', async () => {
    const customerId = unique('cust');
    const { setupId } = await startSetup(customerId, card());
    await request('POST', `${setupsOf(customerId)}/setups/${setupId}/cancel`);
    await harness.temporal.workflow.getHandle(paymentMethodSetupWorkflowId(setupId)).result();
    const eventId = unique('evt');

    await deliverWebhook(setupIntentEvent(eventId, setupId, 'setup_intent.canceled'));

    const row = await waitFor(
      async () => {
        const stored = await inboxRow(eventId);
        return stored?.status === 'closed' ? stored : null;
      },
      { description: 'setup event closed' },
    );
    expect(row.last_error).toContain(paymentMethodSetupWorkflowId(setupId));
  });

  it('keeps a SetupIntent event whose setup has not started yet, and relays it once it has', async () => {
    const customerId = unique('cust');
    const setupId = unique('setup');
    const eventId = unique('evt');

    await deliverWebhook(setupIntentEvent(eventId, setupId, 'setup_intent.created'));
    await waitFor(
      async () =>
        (await harness.db.query('SELECT attempts FROM stripe_events WHERE id = $1 AND attempts > 0', [eventId]))
          .rowCount === 1,
      {
        description: 'a first relay attempt',
      },
    );
    expect((await inboxRow(eventId)).status).toBe('pending');
    await startSetup(customerId, card({ setupId }));

    await waitFor(async () => (await inboxRow(eventId))?.status === 'relayed', {
      timeoutMs: 20_000,
      description: 'setup event relayed',
    });
    expect((await harness.setupState(setupId)).seenEventIds).toEqual([eventId]);
  });
});

describe('OpenAPI for saved payment methods', () => {
  it('documents the setup routes with their bodies, answers and error codes', async () => {
    const response = await harness.app.request('/openapi.json');
    const doc = await response.json();
    const start = doc.paths['/v1/customers/{customerId}/payment-methods'].post;
    expect(start.security).toEqual([{ bearerAuth: [] }]);
    expect(start.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/StartPaymentMethodSetupRequest',
    });
    expect(Object.keys(start.responses)).toEqual(expect.arrayContaining(['200', '201', '409', '422', '502']));
    expect(doc.components.schemas.PaymentMethodSetupStarted.allOf[1].properties.clientSecret.description).toContain(
      'never log',
    );
    expect(Object.keys(doc.paths['/v1/customers/{customerId}/payment-methods/{paymentMethodId}'])).toEqual(['delete']);
  });
});
