/**
 * The API against its own /openapi.json, driven by schemathesis: every check, every operation, the
 * stateful links from POST /v1/bookings to the routes that take its bookingId. The app is served on
 * a local port over real Postgres and a real Temporal dev server (the API harness); schemathesis is
 * the pinned one dev/provision.sh installs. Bounded for CI on 2 cores (examples per operation, seed).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getFreePort } from '../../harness/free-port.js';
import { toolPath } from '../../harness/tool-paths.js';
import { API_TOKEN, WEBHOOK_SECRET, startApiHarness, type ApiHarness } from './fixtures/api-harness.js';

/** Test cases per operation and phase; with the stateful phase, about a thousand requests. */
const MAX_EXAMPLES = 25;
const HOOKS_DIR = fileURLToPath(new URL('./schemathesis', import.meta.url));

let harness: ApiHarness;
let server: ServerType;
let baseUrl: string;

beforeAll(async () => {
  harness = await startApiHarness();
  const port = await getFreePort();
  server = serve({ fetch: harness.app.fetch, port, hostname: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await harness?.teardown();
});

/** Runs schemathesis to the end; its exit code and what it printed. */
function runSchemathesis(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(toolPath('SCHEMATHESIS_PATH'), args, {
      env: {
        ...process.env,
        PYTHONPATH: HOOKS_DIR,
        SCHEMATHESIS_HOOKS: 'booking_api_hooks',
        BOOKING_API_WEBHOOK_SECRET: WEBHOOK_SECRET,
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

it('answers every operation as /openapi.json says: all checks, stateful links from a created booking, 0 failures', async () => {
  const { code, output } = await runSchemathesis([
    'run',
    `${baseUrl}/openapi.json`,
    '--checks',
    'all',
    '--header',
    `Authorization: Bearer ${API_TOKEN}`,
    '--max-examples',
    String(MAX_EXAMPLES),
    '--seed',
    '20261203',
    '--workers',
    '1',
    '--request-timeout',
    '30',
  ]);
  // The whole report on failure: each failing case comes with a curl line to reproduce it.
  expect(code, output.slice(output.lastIndexOf('====== FAILURES'))).toBe(0);
  expect(output).toMatch(/Stateful/);
  // The links of POST /v1/bookings were followed (e.g. "API Links: 5 covered / …").
  expect(output).toMatch(/API Links:\s+[1-9]\d* covered/);
  expect(output).toMatch(/Operations:\s+17 selected \/ 17 total/);
}, 600_000);
