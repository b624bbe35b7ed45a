/** The floor's worker: its own process and task queue on the same Temporal server (floor-worker-main.ts). */
import { fileURLToPath } from 'node:url';
import { startChild } from '../../dev/child-process.js';
import { waitFor } from '../../harness/wait-for.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Task queue of the floor workflows. */
export const FLOOR_TASK_QUEUE = 'bench-floor';
/** The line floor-worker-main.ts prints once its worker polls. */
export const FLOOR_WORKER_READY = 'floor worker polling';

/** A running floor worker. */
export interface FloorWorker {
  /** The worker process's id, to name its CPU. */
  pid: number;
  stop(): Promise<void>;
}

/** Starts the floor worker process and waits until it polls; its milestones go to `callbackUrl`. */
export async function startFloorWorker(options: {
  address: string;
  namespace: string;
  /** The booking workers' payload keys, so the floor pays the same codec cost. */
  payloadCodecKeys: string;
  callbackUrl: string;
}): Promise<FloorWorker> {
  const child = startChild({
    name: 'floor-worker',
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/floor/floor-worker-main.ts'],
    cwd: ROOT,
    echo: false,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.address,
      TEMPORAL_NAMESPACE: options.namespace,
      PAYLOAD_CODEC_KEYS: options.payloadCodecKeys,
      FLOOR_CALLBACK_URL: options.callbackUrl,
    },
  });
  try {
    await waitFor(() => child.recentOutput().includes(FLOOR_WORKER_READY), {
      timeoutMs: 120_000,
      intervalMs: 200,
      description: 'the floor worker polling',
    });
  } catch (error) {
    await child.stop();
    throw new Error(`floor worker did not start: ${String(error)}\n${child.recentOutput()}`);
  }
  return {
    pid: child.pid,
    async stop() {
      await child.stop({ timeoutMs: 30_000 });
    },
  };
}
