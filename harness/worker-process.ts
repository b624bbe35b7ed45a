/**
 * The booking worker as its own process (`worker/main.ts`), as production runs it, against a system
 * started with `inProcessWorker: false`: started and awaited until its `/healthz` answers, then
 * stopped gracefully, or killed without warning and started again (a crash and its restart).
 */
import { fileURLToPath } from 'node:url';
import type { LogLevel } from '@temporalio/worker';
import { startChild, type ChildExit, type ManagedChild } from '../dev/child-process.js';
import { getFreePort } from './free-port.js';
import type { SystemUnderTest } from './system-under-test.js';
import { waitFor } from './wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What the worker needs from the system it joins. */
export type WorkerSystem = Pick<
  SystemUnderTest,
  | 'temporal'
  | 'taskQueue'
  | 'databaseUrl'
  | 'stripeSecretKey'
  | 'emulatorUrl'
  | 'stripeTimeoutMs'
  | 'payloadCodecKeys'
  | 'callbackUrl'
  | 'callbackSecret'
>;

/** How the worker process runs and where its output goes. */
export interface WorkerProcessOptions {
  /** Print the worker's lines with a `[worker]` prefix (default false); they are kept in `recentOutput()` anyway. */
  echo?: boolean;
  /** WORKER_LOG_LEVEL (default WARN); INFO adds the activities' own lines (e.g. notifications recorded). */
  logLevel?: LogLevel;
  /** Called with every line the worker writes (stdout and stderr), across restarts. */
  onLine?: (line: string) => void;
}

/** A running worker process that can be stopped, killed and restarted. */
export interface WorkerProcess {
  /** The process running now (a new one after each restart). */
  readonly child: ManagedChild;
  /** `host:port` of its health endpoint (`/healthz`), a new one after each restart. */
  readonly healthAddress: string;
  /** SIGKILLs the worker at once (nothing drains, in-flight activities are lost) and waits for it to exit. */
  kill(): Promise<ChildExit>;
  /** Starts a new worker process with the same settings and waits until it polls. */
  restart(): Promise<void>;
  /** Stops the worker gracefully (SIGTERM: it stops polling and lets running tasks finish). */
  stop(): Promise<void>;
}

/** Starts `worker/main.ts` against `system` and waits until it polls its task queue. */
export async function startWorkerProcess(
  system: WorkerSystem,
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  let { child, healthAddress } = await startPollingWorker(system, options);
  return {
    get child() {
      return child;
    },
    get healthAddress() {
      return healthAddress;
    },
    kill: () => child.stop({ signal: 'SIGKILL' }),
    async restart() {
      if (child.isRunning()) throw new Error('the worker is still running; kill or stop it before a restart');
      ({ child, healthAddress } = await startPollingWorker(system, options));
    },
    async stop() {
      await child.stop({ timeoutMs: 30_000 });
    },
  };
}

async function startPollingWorker(
  system: WorkerSystem,
  options: WorkerProcessOptions,
): Promise<{ child: ManagedChild; healthAddress: string }> {
  const healthPort = await getFreePort();
  const child = startChild({
    name: 'worker',
    command: process.execPath,
    // `node --import tsx` (not the tsx wrapper) so the child's pid is the worker's own process.
    args: ['--import', 'tsx', 'worker/main.ts'],
    cwd: ROOT,
    echo: options.echo ?? false,
    onLine: options.onLine,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: system.temporal.address,
      TEMPORAL_TASK_QUEUE: system.taskQueue,
      DATABASE_URL: system.databaseUrl,
      STRIPE_SECRET_KEY: system.stripeSecretKey,
      STRIPE_API_URL: system.emulatorUrl,
      STRIPE_TIMEOUT_MS: String(system.stripeTimeoutMs),
      PAYLOAD_CODEC_KEYS: system.payloadCodecKeys,
      NOTIFY_CALLBACK_URL: system.callbackUrl,
      NOTIFY_SIGNING_SECRET: system.callbackSecret,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await getFreePort()}`,
      WORKER_HEALTH_ADDRESS: `127.0.0.1:${healthPort}`,
      WORKER_LOG_LEVEL: options.logLevel ?? 'WARN',
      RECONCILE_INTERVAL: 'off',
    },
  });
  try {
    await waitFor(
      async () => {
        if (!child.isRunning()) throw new Error('the worker exited');
        return (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).ok;
      },
      { timeoutMs: 120_000, intervalMs: 250, description: 'the worker polling' },
    );
  } catch (error) {
    await child.stop();
    throw new Error(`worker did not start: ${String(error)}\n${child.recentOutput()}`);
  }
  return { child, healthAddress: `127.0.0.1:${healthPort}` };
}
