/**
 * Whether every worker running the booking activities records its PaymentIntent creations
 * (inbox/payment-intent-creations.ts). During a rolling deploy from a release that records none, an
 * older worker could create a PaymentIntent for a booking whose earlier creations were recorded and
 * answered; the relay would then take the booking for creating nothing and settle the events of that
 * PaymentIntent unsignalled. So the relay settles such events only while every activity poller of
 * the task queue (Temporal's DescribeTaskQueue, which remembers pollers for minutes after their last
 * poll) names itself as recording creations. An older worker that starts polling is seen within the
 * 10 s an answer is trusted; its PaymentIntent's events are settled unsignalled only if it creates one
 * in that window, for a booking creating nothing else, and its answer is then lost.
 */
import { hostname } from 'node:os';
import proto from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { describeError, type Logger } from '../telemetry/logger.js';

// The default import: Node's ESM loader cannot name the exports of this CommonJS package.
const enums = proto.temporal.api.enums.v1;

/** What a worker that records its creations adds to its identity. */
const RECORDS_CREATIONS = '+records-pi-creations';

/** The identity a booking worker (this process by default) polls with: Temporal's default (`pid@host`), marked as recording creations. */
export function creationRecordingIdentity(pid = process.pid): string {
  return `${pid}@${hostname()}${RECORDS_CREATIONS}`;
}

/** Whether a poller's identity says it records its creations. */
export function recordsCreations(identity: string | null | undefined): boolean {
  return typeof identity === 'string' && identity.endsWith(RECORDS_CREATIONS);
}

/** How long one answer of DescribeTaskQueue is trusted. */
const CHECK_INTERVAL_MS = 10_000;

/** How long the relay waits for that answer before taking it as false. */
const DESCRIBE_DEADLINE_MS = 5_000;

/**
 * Asks Temporal, at most every 10 s, whether the task queue has activity pollers and all of them
 * record their creations. Any failure to ask answers false: events are then signalled, as before.
 */
export function everyWorkerRecordsCreations(
  temporalClient: Client,
  taskQueue: string,
  logger: Pick<Logger, 'warn'>,
): () => Promise<boolean> {
  let checked: { at: number; answer: Promise<boolean> } | undefined;
  const ask = async (): Promise<boolean> => {
    try {
      // ENHANCED mode gathers the pollers of every partition; the default mode lists the root partition's only.
      // Every build id's pollers (unversioned and every active version), not the default one's only.
      const { versionsInfo } = await temporalClient.withDeadline(Date.now() + DESCRIBE_DEADLINE_MS, () =>
        temporalClient.workflowService.describeTaskQueue({
          namespace: temporalClient.options.namespace,
          taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
          apiMode: enums.DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED,
          versions: { unversioned: true, allActive: true },
          taskQueueTypes: [enums.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY],
          reportPollers: true,
        }),
      );
      const pollers = Object.values(versionsInfo ?? {}).flatMap((version) =>
        Object.values(version.typesInfo ?? {}).flatMap((type) => type.pollers ?? []),
      );
      return pollers.length > 0 && pollers.every((poller) => recordsCreations(poller.identity));
    } catch (error) {
      logger.warn('task queue pollers not described: events about unknown PaymentIntents are signalled', {
        taskQueue,
        error: describeError(error),
      });
      return false;
    }
  };
  return () => {
    const now = Date.now();
    if (!checked || now - checked.at >= CHECK_INTERVAL_MS) checked = { at: now, answer: ask() };
    return checked.answer;
  };
}
