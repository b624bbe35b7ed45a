/**
 * The stack the benchmark drives: the integration tests' system (Temporal dev server, embedded
 * PostgreSQL, the Stripe emulator, the API over HTTP with its inbox relay, the callback server)
 * with the booking worker as its own process, as in production, so its memory can be read alone.
 */
import { startSystemUnderTest, type SystemUnderTest } from '../harness/system-under-test.js';
import { startWorkerProcess, type WorkerProcess } from '../harness/worker-process.js';
import { residentBytes } from './local-process.js';

/** A running stack and its worker process. */
export interface BenchStack {
  system: SystemUnderTest;
  worker: WorkerProcess;
  /** `host:port` of the worker's health endpoint. */
  workerHealthAddress: string;
  /** Resident memory of the worker process, in bytes. */
  workerRssBytes(): number;
  stop(): Promise<void>;
}

/** Starts the system with no in-process worker, then `worker/main.ts` as a child, and waits until it polls. */
export async function startBenchStack(options: { echoWorker?: boolean } = {}): Promise<BenchStack> {
  const system = await startSystemUnderTest({ inProcessWorker: false });
  let worker: WorkerProcess;
  try {
    worker = await startWorkerProcess(system, { echo: options.echoWorker ?? false });
  } catch (error) {
    await system.stop();
    throw error;
  }
  return {
    system,
    worker,
    workerHealthAddress: worker.healthAddress,
    workerRssBytes: () => residentBytes(worker.child.pid),
    async stop() {
      await worker.stop();
      await system.stop();
    },
  };
}
