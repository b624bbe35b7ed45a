/** The floor's worker: its own task queue on the same Temporal server, activities in this process. */
import { createRequire } from 'node:module';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import type { MilestoneClock } from '../milestones.js';
import { createFloorActivities } from './floor-activities.js';

const require = createRequire(import.meta.url);

/** Task queue of the floor workflows. */
export const FLOOR_TASK_QUEUE = 'bench-floor';

/** A running floor worker. */
export interface FloorWorker {
  stop(): Promise<void>;
}

/** Starts a worker for `floorWorkflow` whose milestones land on `clock`. */
export async function startFloorWorker(options: {
  address: string;
  /** The booking workers' converter (payload encryption), so the floor pays the same codec cost. */
  dataConverter?: DataConverter;
  clock: MilestoneClock;
}): Promise<FloorWorker> {
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue: FLOOR_TASK_QUEUE,
    workflowsPath: require.resolve('./floor-workflow.ts'),
    activities: createFloorActivities({
      held: (id) => options.clock.reach(id, 'held'),
      released: (id) => options.clock.reach(id, 'released'),
    }),
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}
