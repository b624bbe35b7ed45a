/**
 * Starts the system under test for chaos scenarios with the booking worker as its own process (as
 * in production), so a scenario can kill and restart it, and every log line of the API, the worker
 * and the processes scenarios start captured for scanning.
 */
import { createJsonLogger } from '../telemetry/logger.js';
import { startSystemUnderTest, type SystemUnderTest } from '../harness/system-under-test.js';
import { startWorkerProcess, type WorkerProcess } from '../harness/worker-process.js';

/** The system, its worker process and every log line captured so far. */
export interface ChaosSystem {
  system: SystemUnderTest;
  /** Lines the in-process API and its relay wrote. */
  apiLogLines: string[];
  /** The worker process (`worker/main.ts`), which scenarios may kill and restart. */
  worker: WorkerProcess;
  /** Lines every worker process wrote, across restarts (at INFO, so the activities' own lines are there). */
  workerLogLines: string[];
  /** Lines of processes a scenario started itself (e.g. an API process it kills), for the final scan. */
  processLogLines: string[];
  /** Stops the worker, then the system. */
  stop(): Promise<void>;
}

/** Starts the whole system (dev server, Postgres, emulator, API) and the worker process, with captured logs. */
export async function startChaosSystem({ echoWorker = false }: { echoWorker?: boolean } = {}): Promise<ChaosSystem> {
  const apiLogLines: string[] = [];
  const workerLogLines: string[] = [];
  const system = await startSystemUnderTest({
    apiLogger: createJsonLogger('api', (line) => apiLogLines.push(line)),
    // Webhook retries every 2 s at most, for about 5 minutes: they outlive a Postgres outage of the API's inbox.
    emulator: { webhookRetry: { baseDelayMs: 200, maxDelayMs: 2_000, maxAttempts: 150 } },
    // Short, so the stripe-timeouts scenario's late answers outlast it in seconds, not minutes.
    stripeTimeoutMs: 2_000,
    inProcessWorker: false,
  });
  let worker: WorkerProcess;
  try {
    // Quiet unless asked: the stripe-faults scenario makes the worker log every retried Stripe failure.
    worker = await startWorkerProcess(system, {
      echo: echoWorker,
      logLevel: 'INFO',
      onLine: (line) => workerLogLines.push(line),
    });
  } catch (error) {
    await system.stop();
    throw error;
  }
  return {
    system,
    apiLogLines,
    worker,
    workerLogLines,
    processLogLines: [],
    async stop() {
      await worker.stop();
      await system.stop();
    },
  };
}
