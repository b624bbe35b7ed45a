/** The benchmark's settings: a stack of its own by default, a running one with BENCH_API_URL and `npm start`'s defaults. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBenchConfig } from '../../bench/bench-config.js';

describe('loadBenchConfig', () => {
  let dir = '';
  let devSettings = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-config-'));
    devSettings = path.join(dir, 'dev-settings.json');
    await writeFile(
      devSettings,
      JSON.stringify({
        apiToken: 'dev_token',
        stripeWebhookSecret: 'whsec_dev',
        postgresPassword: 'p@ss',
        payloadCodecKeys: 'dev-1:key',
      }),
    );
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a stack of its own when BENCH_API_URL is unset', () => {
    expect(loadBenchConfig({ BENCH_MAX_CONCURRENCY: '4' }, devSettings)).toMatchObject({
      BENCH_MAX_CONCURRENCY: 4,
      reuse: null,
    });
  });

  it("reuses the running stack with npm start's secrets and default ports", () => {
    expect(loadBenchConfig({ BENCH_API_URL: 'http://localhost:3000/' }, devSettings).reuse).toEqual({
      apiUrl: 'http://localhost:3000',
      apiToken: 'dev_token',
      temporalAddress: '127.0.0.1:7233',
      temporalNamespace: 'default',
      databaseUrl: 'postgres://postgres:p%40ss@127.0.0.1:5433/bookings',
      stripeApiUrl: 'http://127.0.0.1:12111',
      webhookSecret: 'whsec_dev',
      payloadCodecKeys: 'dev-1:key',
      workerHealthAddress: '127.0.0.1:9465',
    });
  });

  it("follows npm start's port variables, and BENCH_ variables win over every default", () => {
    const reuse = loadBenchConfig(
      {
        BENCH_API_URL: 'http://localhost:3310',
        DEV_TEMPORAL_PORT: '7310',
        DEV_POSTGRES_PORT: '5510',
        STRIPE_EMULATOR_PORT: '12310',
        WORKER_HEALTH_ADDRESS: '0.0.0.0:9511',
        BENCH_API_TOKEN: 'other-token',
        BENCH_TEMPORAL_ADDRESS: 'temporal.internal:7233',
      },
      devSettings,
    ).reuse;
    expect(reuse).toMatchObject({
      apiToken: 'other-token',
      temporalAddress: 'temporal.internal:7233',
      databaseUrl: 'postgres://postgres:p%40ss@127.0.0.1:5510/bookings',
      stripeApiUrl: 'http://127.0.0.1:12310',
      workerHealthAddress: '127.0.0.1:9511',
    });
  });

  it('names the missing secret when there are no npm start settings to default to', () => {
    expect(() => loadBenchConfig({ BENCH_API_URL: 'http://localhost:3000' }, path.join(dir, 'absent.json'))).toThrow(
      /BENCH_API_TOKEN/,
    );
  });
});
