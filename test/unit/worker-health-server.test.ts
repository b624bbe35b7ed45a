import type { Worker } from '@temporalio/worker';
import { afterEach, describe, expect, it } from 'vitest';
import { startWorkerHealthServer, type WorkerHealthServer } from '../../worker/health-server.js';

let server: WorkerHealthServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('worker health endpoint', () => {
  it('answers 200 while the worker runs and 503 once it drains or stops', async () => {
    let state: ReturnType<Worker['getState']> = 'INITIALIZED';
    server = await startWorkerHealthServer({ address: '127.0.0.1:0', worker: { getState: () => state } });

    expect((await fetch(`${server.url}/healthz`)).status).toBe(503);
    state = 'RUNNING';
    const running = await fetch(`${server.url}/healthz`);
    expect(running.status).toBe(200);
    expect(await running.json()).toEqual({ status: 'ok', worker: 'RUNNING' });
    state = 'DRAINING';
    const draining = await fetch(`${server.url}/healthz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toEqual({ status: 'unavailable', worker: 'DRAINING' });
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });
});
