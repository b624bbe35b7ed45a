/**
 * The floor's worker process, started by the bench as the booking worker is: its own process, so the
 * floor and the bookings each get a worker that shares nothing with the load generator and the API.
 * Reads TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE (default `default`), PAYLOAD_CODEC_KEYS (the bookings'
 * payload encryption, so the floor pays the same codec cost) and FLOOR_CALLBACK_URL (where milestones
 * go); prints FLOOR_WORKER_READY once polling.
 */
import { createRequire } from 'node:module';
import { NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { dataConverterFor, payloadCodecFrom } from '../../codec/data-converter.js';
import { createFloorActivities } from './floor-activities.js';
import { FLOOR_TASK_QUEUE, FLOOR_WORKER_READY } from './floor-worker.js';

const require = createRequire(import.meta.url);

const env = z
  .object({
    TEMPORAL_ADDRESS: z.string().min(1),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    PAYLOAD_CODEC_KEYS: z.string().min(1),
    FLOOR_CALLBACK_URL: z.url(),
  })
  .parse(process.env);

const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS });
const worker = await Worker.create({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: FLOOR_TASK_QUEUE,
  workflowsPath: require.resolve('./floor-workflow.ts'),
  activities: createFloorActivities({ callbackUrl: env.FLOOR_CALLBACK_URL }),
  dataConverter: dataConverterFor(payloadCodecFrom({ PAYLOAD_CODEC_KEYS: env.PAYLOAD_CODEC_KEYS })),
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => worker.shutdown());
const running = worker.run();
console.log(FLOOR_WORKER_READY);
await running;
await connection.close();
