/** What a workflow's recorded history says it asked of its activities. */
import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

/** A JSON payload's value (null when empty). */
export function decodePayload(payload: temporal.api.common.v1.IPayload): unknown {
  return payload.data && payload.data.length > 0 ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : null;
}

/** Each activity's summary in the run's history, as `activityType: summary`, in the order they were scheduled. */
export async function activitySummaries(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const scheduled = event.activityTaskScheduledEventAttributes;
    const summary = event.userMetadata?.summary;
    return scheduled && summary ? [`${scheduled.activityType?.name}: ${String(decodePayload(summary))}`] : [];
  });
}
