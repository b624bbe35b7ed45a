/**
 * The stack the benchmark drives: the integration tests' system (Temporal dev server, embedded
 * PostgreSQL, the Stripe emulator, the API over HTTP with its inbox relay, the callback server)
 * with the booking worker as its own process, as in production, so its memory can be read alone.
 */
import { fileURLToPath } from 'node:url';
import { startChild, type ManagedChild } from '../dev/child-process.js';
import { getFreePort } from '../test/support/free-port.js';
import { startSystemUnderTest, type SystemUnderTest } from '../test/support/system-under-test.js';
import { waitFor } from '../test/support/wait-for.js';
import { residentBytes } from './local-process.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A running stack and its worker process. */
export interface BenchStack {
  system: SystemUnderTest;
  worker: ManagedChild;
  /** `host:port` of the worker's health endpoint. */
  workerHealthAddress: string;
  /** Resident memory of the worker process, in bytes. */
  workerRssBytes(): number;
  stop(): Promise<void>;
}

/** Starts the system with no in-process worker, then `worker/main.ts` as a child, and waits until it polls. */
export async function startBenchStack(options: { echoWorker?: boolean } = {}): Promise<BenchStack> {
  const system = await startSystemUnderTest({ inProcessWorker: false });
  const healthPort = await getFreePort();
  const worker = startChild({
    name: 'worker',
    command: process.execPath,
    // `node --import tsx` (not the tsx wrapper) so the child's pid is the worker's own process.
    args: ['--import', 'tsx', 'worker/main.ts'],
    cwd: ROOT,
    echo: options.echoWorker ?? false,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: system.temporal.address,
      TEMPORAL_TASK_QUEUE: system.taskQueue,
      DATABASE_URL: system.databaseUrl,
      STRIPE_SECRET_KEY: system.stripeSecretKey,
      STRIPE_API_URL: system.emulatorUrl,
      PAYLOAD_CODEC_KEYS: system.payloadCodecKeys,
      NOTIFY_CALLBACK_URL: system.callbackUrl,
      NOTIFY_SIGNING_SECRET: system.callbackSecret,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await getFreePort()}`,
      WORKER_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
      WORKER_LOG_LEVEL: 'WARN',
      RECONCILE_INTERVAL: 'off',
    },
  });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).ok, {
      timeoutMs: 120_000,
      intervalMs: 250,
      description: 'the worker polling',
    });
  } catch (error) {
    await worker.stop();
    await system.stop();
    throw new Error(`worker did not start: ${String(error)}\n${worker.recentOutput()}`);
  }
  return {
    system,
    worker,
    workerHealthAddress: `127.0.0.1:${healthPort}`,
    workerRssBytes: () => residentBytes(worker.pid),
    async stop() {
      await worker.stop({ timeoutMs: 30_000 });
      await system.stop();
    },
  };
}
