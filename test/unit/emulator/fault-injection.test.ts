/** Injected failures behave like Stripe outages: lost responses are recovered with the same key. */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { holdParams, useRunningEmulator } from '../../support/running-emulator.js';

const running = useRunningEmulator();

describe('fault injection', () => {
  it('after a 500 "after" fault, a retry with the same key gets the stored success and one hold exists', async () => {
    await running.control('POST', '/_emulator/faults', { api: { status: 500, count: 1, when: 'after' } });
    const lost = await running.stripe.paymentIntents
      .create(holdParams('bk-lost'), { idempotencyKey: 'hold-bk-lost-1' })
      .catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(lost).toMatchObject({ statusCode: 500 });

    const created = await running.paymentIntentsFor('bk-lost');
    expect(created).toHaveLength(1);
    expect(created[0].status).toBe('requires_capture');

    const retried = await running.stripe.paymentIntents.create(holdParams('bk-lost'), { idempotencyKey: 'hold-bk-lost-1' });
    expect(retried.id).toBe(created[0].id);
    expect(retried.status).toBe('requires_capture');
    expect(await running.paymentIntentsFor('bk-lost')).toHaveLength(1);
  });

  it('a "before" fault executes nothing, so the retry creates the hold', async () => {
    await running.control('POST', '/_emulator/faults', { api: { status: 503, count: 1, when: 'before' } });
    const failed = await running.stripeRequest('POST', '/v1/payment_intents', holdParams('bk-before'), {
      'Idempotency-Key': 'hold-bk-before-1',
    });
    expect(failed.status).toBe(503);
    expect((await failed.json()).error.type).toBe('api_error');
    expect(await running.paymentIntentsFor('bk-before')).toHaveLength(0);

    const retried = await running.stripe.paymentIntents.create(holdParams('bk-before'), { idempotencyKey: 'hold-bk-before-1' });
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
    await expect(running.stripe.customers.create({ email: 'a@example.com' })).resolves.toMatchObject({ object: 'customer' });
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
