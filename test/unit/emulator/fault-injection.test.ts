/** Injected failures behave like Stripe outages: a 5xx after the work is what the key replays. */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createStripeClient } from '../../../stripe/create-stripe-client.js';
import { holdParams, TEST_SECRET_KEY, useRunningEmulator } from '../../../harness/running-emulator.js';
import { waitFor } from '../../../harness/wait-for.js';

const running = useRunningEmulator();

describe('fault injection', () => {
  // docs.stripe.com/api/idempotent_requests: the result of a request that started executing is
  // saved, 500s included, and every retry under the key gets it for 24 hours.
  it('after a 500 "after" fault, the hold exists and a retry with the same key gets the same 500 for 24 hours', async () => {
    await running.control('POST', '/_emulator/faults', { api: { status: 500, count: 1, when: 'after' } });
    const lost = await running.stripe.paymentIntents
      .create(holdParams('bk-lost'), { idempotencyKey: 'hold-bk-lost-1' })
      .catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(lost).toMatchObject({ statusCode: 500 });

    const created = await running.paymentIntentsFor('bk-lost');
    expect(created).toHaveLength(1);
    expect(created[0].status).toBe('requires_capture');

    const retried = await running.stripeRequest('POST', '/v1/payment_intents', holdParams('bk-lost'), {
      'Idempotency-Key': 'hold-bk-lost-1',
    });
    expect(retried.status).toBe(500);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect((await retried.json()).error.type).toBe('api_error');

    await running.control('POST', '/_emulator/clock/advance', { seconds: 23 * 3600 });
    const later = await running.stripeRequest('POST', '/v1/payment_intents', holdParams('bk-lost'), {
      'Idempotency-Key': 'hold-bk-lost-1',
    });
    expect(later.status).toBe(500);
    expect(await running.paymentIntentsFor('bk-lost')).toHaveLength(1);

    // Past 24 hours Stripe has forgotten the key: the same request runs again, a second hold.
    await running.control('POST', '/_emulator/clock/advance', { seconds: 3600 + 1 });
    const fresh = await running.stripe.paymentIntents.create(holdParams('bk-lost'), {
      idempotencyKey: 'hold-bk-lost-1',
    });
    expect(fresh.id).not.toBe(created[0].id);
    expect(await running.paymentIntentsFor('bk-lost')).toHaveLength(2);
  });

  it('a "before" fault executes nothing, so the retry creates the hold', async () => {
    await running.control('POST', '/_emulator/faults', { api: { status: 503, count: 1, when: 'before' } });
    const failed = await running.stripeRequest('POST', '/v1/payment_intents', holdParams('bk-before'), {
      'Idempotency-Key': 'hold-bk-before-1',
    });
    expect(failed.status).toBe(503);
    expect((await failed.json()).error.type).toBe('api_error');
    expect(await running.paymentIntentsFor('bk-before')).toHaveLength(0);

    const retried = await running.stripe.paymentIntents.create(holdParams('bk-before'), {
      idempotencyKey: 'hold-bk-before-1',
    });
    expect(retried.status).toBe('requires_capture');
    expect(await running.paymentIntentsFor('bk-before')).toHaveLength(1);
  });

  it('answers 429 with Stripe’s rate_limit error, which the stripe package raises as StripeRateLimitError', async () => {
    await running.control('POST', '/_emulator/faults', { api: { status: 429, count: 2 } });
    const limited = await running.stripe.customers.create({ email: 'a@example.com' }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(limited).toMatchObject({ statusCode: 429, code: 'rate_limit' });
    await expect(running.stripe.customers.create({ email: 'a@example.com' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeRateLimitError,
    );
    // The count is spent: the third request goes through.
    await expect(running.stripe.customers.create({ email: 'a@example.com' })).resolves.toMatchObject({
      object: 'customer',
    });
  });

  it('fails only requests matching pathPattern', async () => {
    await running.control('POST', '/_emulator/faults', {
      api: { status: 502, pathPattern: '^POST /v1/payment_intents/[^/]+/cancel$' },
    });
    const held = await running.stripe.paymentIntents.create(holdParams('bk-pattern'));
    const refused = await running.stripe.paymentIntents.cancel(held.id).catch((error: unknown) => error);
    expect(refused).toMatchObject({ statusCode: 502 });
    await running.control('DELETE', '/_emulator/faults');
    await expect(running.stripe.paymentIntents.cancel(held.id)).resolves.toMatchObject({ status: 'canceled' });
  });

  it('fails every request at rate 1 and none at rate 0', async () => {
    await running.control('POST', '/_emulator/faults', { api: { status: 500, rate: 1 } });
    const failures = await Promise.all(
      [1, 2, 3].map(() => running.stripeRequest('GET', '/v1/events').then((response) => response.status)),
    );
    expect(failures).toEqual([500, 500, 500]);
    await running.control('POST', '/_emulator/faults', { api: { status: 500, rate: 0 } });
    expect((await running.stripeRequest('GET', '/v1/events')).status).toBe(200);
  });

  it('adds latency to Stripe API answers', async () => {
    await running.control('POST', '/_emulator/faults', { latencyMs: 150 });
    const started = Date.now();
    await running.stripe.customers.create({ email: 'slow@example.com' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('a stall executes the request and stores its result, then holds the answer until cleared; the retry is replayed', async () => {
    const held = await running.stripe.paymentIntents.create({ ...holdParams('bk-stall'), confirm: false });
    await running.control('POST', '/_emulator/faults', {
      stall: { count: 1, holdMs: 60_000, pathPattern: '^POST /v1/payment_intents/[^/]+/confirm$' },
    });
    let answered = false;
    const stalled = running.stripe.paymentIntents
      .confirm(held.id, { payment_method: 'pm_card_visa' }, { idempotencyKey: 'confirm-bk-stall-1' })
      .finally(() => (answered = true));
    await waitFor(async () => (await running.control('GET', '/_emulator/faults')).heldAnswers === 1, {
      timeoutMs: 5_000,
      intervalMs: 20,
      description: 'the confirmation answer held',
    });
    // The work is done while its answer waits: the authorization exists, the count is spent.
    expect((await running.paymentIntentsFor('bk-stall'))[0].status).toBe('requires_capture');
    expect((await running.control('GET', '/_emulator/faults')).stall).toBeNull();
    expect(answered).toBe(false);

    // A client that gave up retries with the same key: the stored answer is replayed at once.
    const retried = await running.stripeRequest(
      'POST',
      `/v1/payment_intents/${held.id}/confirm`,
      { payment_method: 'pm_card_visa' },
      {
        'Idempotency-Key': 'confirm-bk-stall-1',
      },
    );
    expect(retried.status).toBe(200);
    expect(retried.headers.get('Idempotent-Replayed')).toBe('true');

    await running.control('DELETE', '/_emulator/faults');
    await expect(stalled).resolves.toMatchObject({ id: held.id, status: 'requires_capture' });
    const requests = (await running.control('GET', '/_emulator/requests')).data as Array<{
      path: string;
      injectedFault: string | null;
      replayed: boolean;
    }>;
    const confirmations = requests.filter((request) => request.path === `/v1/payment_intents/${held.id}/confirm`);
    expect(confirmations.map((request) => [request.injectedFault, request.replayed])).toEqual([
      [null, true],
      ['stall after', false],
    ]);
  });

  it('holds a stalled answer for holdMs at most and leaves requests off the pattern alone', async () => {
    await running.control('POST', '/_emulator/faults', {
      stall: { count: 2, holdMs: 300, pathPattern: '^POST /v1/customers$' },
    });
    const started = Date.now();
    await expect(running.stripe.paymentIntents.create(holdParams('bk-stall-other'))).resolves.toMatchObject({
      status: 'requires_capture',
    });
    expect(Date.now() - started).toBeLessThan(300);
    await running.stripe.customers.create({ email: 'stalled@example.com' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await running.control('GET', '/_emulator/faults')).stall).toMatchObject({ remaining: 1 });
  });

  it('rejects a stall without a hold time, with an unknown field or with a bad pattern', async () => {
    const plans = [
      { stall: { count: 1 } },
      { stall: { count: 0, holdMs: 100 } },
      { stall: { count: 1, holdMs: 100, when: 'before' } },
      { stall: { count: 1, holdMs: 700_000 } },
      { stall: { count: 1, holdMs: 100, pathPattern: '([' } },
    ];
    for (const plan of plans) {
      const response = await fetch(`${running.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(plan),
      });
      expect(response.status, JSON.stringify(plan)).toBe(400);
      expect((await response.json()).error.message).toContain('stall');
    }
  });

  it('slows only the requests matching pathPattern, at the chosen rate, and logs the latency', async () => {
    await running.control('POST', '/_emulator/faults', {
      latency: { ms: 300, rate: 1, pathPattern: '^POST /v1/customers$' },
    });
    const elapsed = async (call: () => Promise<unknown>) => {
      const started = Date.now();
      await call();
      return Date.now() - started;
    };
    expect(await elapsed(() => running.stripe.customers.create({ email: 'slow@example.com' }))).toBeGreaterThanOrEqual(
      290,
    );
    expect(await elapsed(() => running.stripe.events.list({ limit: 1 }))).toBeLessThan(250);
    await running.control('POST', '/_emulator/faults', {
      latency: { ms: 300, rate: 0, pathPattern: '^POST /v1/customers$' },
    });
    expect(await elapsed(() => running.stripe.customers.create({ email: 'fast@example.com' }))).toBeLessThan(250);

    const { data } = await running.control('GET', '/_emulator/requests');
    expect(data.map((entry: { injectedLatency: unknown }) => entry.injectedLatency)).toEqual([
      { ms: 300, when: 'before' },
      null,
      null,
    ]);
  });

  it('answers late "after" the work: the client times out, its retry is replayed and one hold exists', async () => {
    await running.control('POST', '/_emulator/faults', {
      latency: { ms: 800, count: 1, when: 'after', pathPattern: '^POST /v1/payment_intents$' },
    });
    const impatient = createStripeClient({
      STRIPE_SECRET_KEY: TEST_SECRET_KEY,
      STRIPE_API_URL: running.url,
      STRIPE_TIMEOUT_MS: 200,
    });
    const timedOut = await impatient.paymentIntents
      .create(holdParams('bk-late'), { idempotencyKey: 'hold-bk-late-1' })
      .catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    // The work was done before the answer was held back.
    const created = await running.paymentIntentsFor('bk-late');
    expect(created).toHaveLength(1);

    const retried = await impatient.paymentIntents.create(holdParams('bk-late'), { idempotencyKey: 'hold-bk-late-1' });
    expect(retried.id).toBe(created[0].id);
    expect(retried.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await running.paymentIntentsFor('bk-late')).toHaveLength(1);
  });

  it('waits "before" the work holding the key: a retry meanwhile gets 409, the slow request executes once', async () => {
    await running.control('POST', '/_emulator/faults', { latency: { ms: 600, count: 1, when: 'before' } });
    const impatient = createStripeClient({
      STRIPE_SECRET_KEY: TEST_SECRET_KEY,
      STRIPE_API_URL: running.url,
      STRIPE_TIMEOUT_MS: 200,
    });
    const timedOut = await impatient.paymentIntents
      .create(holdParams('bk-slow'), { idempotencyKey: 'hold-bk-slow-1' })
      .catch((error: unknown) => error);
    expect(timedOut).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(await running.paymentIntentsFor('bk-slow')).toHaveLength(0);

    const locked = await impatient.paymentIntents
      .create(holdParams('bk-slow'), { idempotencyKey: 'hold-bk-slow-1' })
      .catch((error: unknown) => error);
    expect(locked).toMatchObject({ statusCode: 409, code: 'idempotency_key_in_use' });

    await new Promise((resolve) => setTimeout(resolve, 600));
    const [created] = await running.paymentIntentsFor('bk-slow');
    expect(created.status).toBe('requires_capture');
    const retried = await impatient.paymentIntents.create(holdParams('bk-slow'), { idempotencyKey: 'hold-bk-slow-1' });
    expect(retried.id).toBe(created.id);
    expect(await running.paymentIntentsFor('bk-slow')).toHaveLength(1);
  });

  it('refuses a latency fault with both a count and a rate', async () => {
    const response = await fetch(`${running.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latency: { ms: 100, count: 1, rate: 0.5 } }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.message).toContain('count or rate');
  });

  it('rejects a malformed fault plan naming the bad field', async () => {
    const response = await fetch(`${running.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ api: { status: 418 } }),
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.code).toBe('invalid_body');
    expect(body.error.message).toContain('api.status');
  });
});
