/**
 * The API as its own process (api/main.ts, what `npm start` and compose run), wired from its
 * environment: it serves the codec endpoint with the configured keys and token, its metrics and
 * probes, and reads a booking another process sealed with the same keys.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManagedChild } from '../../dev/child-process.js';
import { startApiProcess } from '../../harness/api-process.js';
import { getFreePort } from '../../harness/free-port.js';
import { newBooking, startSystemUnderTest, type SystemUnderTest } from '../../harness/system-under-test.js';
import { waitFor } from '../../harness/wait-for.js';

const API_TOKEN = 'api-process-token-123';
const CODEC_TOKEN = 'api-process-codec-token';

let system: SystemUnderTest;
let api: ManagedChild;
let apiUrl: string;

beforeAll(async () => {
  system = await startSystemUnderTest();
  const started = await startApiProcess(system, {
    port: await getFreePort(),
    env: { STRIPE_WEBHOOK_SECRET: 'whsec_api_process', API_TOKEN, CODEC_AUTH_TOKEN: CODEC_TOKEN },
  });
  api = started.child;
  apiUrl = started.url;
}, 180_000);

afterAll(async () => {
  await api?.stop({ timeoutMs: 10_000 });
  await system?.stop();
});

describe('api/main.ts', () => {
  it('serves the codec endpoint with its token, its metrics and its readiness probe', async () => {
    const decode = (authorization?: string) =>
      fetch(`${apiUrl}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify({ payloads: [] }),
      });
    expect((await decode()).status).toBe(401);
    expect((await decode(`Bearer ${CODEC_TOKEN}`)).status).toBe(200);
    expect(await (await fetch(`${apiUrl}/metrics`)).text()).toContain('http_requests_total');
    expect((await fetch(`${apiUrl}/readyz`)).status).toBe(200);
  });

  it('reads a booking the other API started, sealed with the same payload keys', async () => {
    const booking = newBooking();
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    const held = await waitFor(
      async () => {
        const response = await fetch(`${apiUrl}/v1/bookings/${booking.bookingId}`, {
          headers: { authorization: `Bearer ${API_TOKEN}` },
        });
        const body = (await response.json()) as { hold?: { status: string } };
        return body.hold?.status === 'held' ? body : false;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'booking held, read through api/main.ts' },
    );
    expect(held.hold?.status).toBe('held');
  });
});
