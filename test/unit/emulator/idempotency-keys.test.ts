/** The emulator replays, refuses and forgets idempotency keys the way Stripe does. */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { holdParams, useRunningEmulator } from '../../../harness/running-emulator.js';
import { waitFor } from '../../../harness/wait-for.js';

const running = useRunningEmulator();

/** A response header as the `stripe` package exposes it (a Headers object with the fetch client). */
function responseHeader(resource: { lastResponse: { headers: unknown } }, name: string): string | undefined {
  const headers = resource.lastResponse.headers;
  return headers instanceof Headers ? (headers.get(name) ?? undefined) : (headers as Record<string, string>)[name];
}

describe('idempotency keys', () => {
  it('replays the first result for the same key and parameters, creating one PaymentIntent', async () => {
    const first = await running.stripe.paymentIntents.create(holdParams('bk-replay'), {
      idempotencyKey: 'hold-bk-replay-1',
    });
    const second = await running.stripe.paymentIntents.create(holdParams('bk-replay'), {
      idempotencyKey: 'hold-bk-replay-1',
    });

    expect(second.id).toBe(first.id);
    expect(responseHeader(second, 'idempotent-replayed')).toBe('true');
    expect(responseHeader(first, 'idempotent-replayed')).toBeUndefined();
    expect(await running.paymentIntentsFor('bk-replay')).toHaveLength(1);
  });

  it('replays byte for byte, with the original request named', async () => {
    const params = holdParams('bk-bytes');
    const first = await running.stripeRequest('POST', '/v1/payment_intents', params, { 'Idempotency-Key': 'k-bytes' });
    const second = await running.stripeRequest('POST', '/v1/payment_intents', params, { 'Idempotency-Key': 'k-bytes' });
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('original-request')).toBe(first.headers.get('request-id'));
  });

  it('replays a decline, errors included, without charging the card again', async () => {
    const params = holdParams('bk-declined', 'pm_card_chargeDeclinedInsufficientFunds');
    const first = await running.stripeRequest('POST', '/v1/payment_intents', params, {
      'Idempotency-Key': 'k-decline',
    });
    const second = await running.stripeRequest('POST', '/v1/payment_intents', params, {
      'Idempotency-Key': 'k-decline',
    });
    expect(first.status).toBe(402);
    expect(second.status).toBe(402);
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await running.paymentIntentsFor('bk-declined')).toHaveLength(1);
  });

  it('refuses a key reused with other parameters with idempotency_error', async () => {
    await running.stripe.paymentIntents.create(holdParams('bk-reuse'), { idempotencyKey: 'k-reuse' });
    const refused = await running.stripe.paymentIntents
      .create({ ...holdParams('bk-reuse'), amount: 200 }, { idempotencyKey: 'k-reuse' })
      .catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(refused).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect((refused as Error).message).toContain(
      'Keys for idempotent requests can only be used with the same parameters they were first used with',
    );
    expect(await running.paymentIntentsFor('bk-reuse')).toHaveLength(1);
  });

  it('refuses a key reused on another endpoint', async () => {
    await running.stripe.customers.create({ email: 'a@example.com' }, { idempotencyKey: 'k-endpoint' });
    const refused = await running.stripeRequest('POST', '/v1/payment_intents', holdParams('bk-endpoint'), {
      'Idempotency-Key': 'k-endpoint',
    });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.type).toBe('idempotency_error');
  });

  it('locks a key while its first request is still executing (409)', async () => {
    // Long enough for the concurrent request to arrive while the first one holds the key.
    await running.control('POST', '/_emulator/faults', { latencyMs: 1_000 });
    const params = holdParams('bk-lock');
    const slow = running.stripeRequest('POST', '/v1/payment_intents', params, { 'Idempotency-Key': 'k-lock' });
    await waitFor(async () => (await running.control('GET', '/_emulator/idempotency_keys')).inFlight === 1, {
      timeoutMs: 5_000,
      intervalMs: 10,
      description: 'the first request holds its idempotency key',
    });
    const concurrent = await running.stripeRequest('POST', '/v1/payment_intents', params, {
      'Idempotency-Key': 'k-lock',
    });

    expect(concurrent.status).toBe(409);
    expect((await concurrent.json()).error).toMatchObject({
      type: 'idempotency_error',
      code: 'idempotency_key_in_use',
    });
    expect((await slow).status).toBe(200);
    expect(await running.paymentIntentsFor('bk-lock')).toHaveLength(1);
  });

  it('saves nothing for a request that failed validation, so the key stays usable', async () => {
    const invalid = await running.stripeRequest(
      'POST',
      '/v1/payment_intents',
      { currency: 'usd' },
      { 'Idempotency-Key': 'k-fix' },
    );
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error).toMatchObject({ code: 'parameter_missing', param: 'amount' });
    const fixed = await running.stripeRequest('POST', '/v1/payment_intents', holdParams('bk-fix'), {
      'Idempotency-Key': 'k-fix',
    });
    expect(fixed.status).toBe(200);
  });

  it('forgets a key after 24 hours of emulator time', async () => {
    await running.stripe.paymentIntents.create(holdParams('bk-ttl'), { idempotencyKey: 'k-ttl' });
    await running.control('POST', '/_emulator/clock/advance', { seconds: 24 * 3600 + 1 });
    const reused = await running.stripe.paymentIntents.create(
      { ...holdParams('bk-ttl'), amount: 300 },
      { idempotencyKey: 'k-ttl' },
    );
    expect(reused.amount).toBe(300);
    expect(responseHeader(reused, 'idempotent-replayed')).toBeUndefined();
    expect(await running.paymentIntentsFor('bk-ttl')).toHaveLength(2);
  });

  it('logs requests with their key and replay flag, never the secret key', async () => {
    await running.stripe.paymentIntents.create(holdParams('bk-log'), { idempotencyKey: 'k-log' });
    await running.stripe.paymentIntents.create(holdParams('bk-log'), { idempotencyKey: 'k-log' });
    const log = await running.control('GET', '/_emulator/requests');
    expect(log.data.map((entry: { replayed: boolean }) => entry.replayed)).toEqual([false, true]);
    expect(log.data[0]).toMatchObject({
      method: 'POST',
      path: '/v1/payment_intents',
      idempotencyKey: 'k-log',
      status: 200,
    });
    expect(JSON.stringify(log)).not.toContain('sk_test_');
  });
});
