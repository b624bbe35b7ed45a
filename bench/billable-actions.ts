/**
 * Temporal Cloud actions a booking costs, counted from its history by the rules of
 * https://docs.temporal.io/cloud/actions: the workflow start (and each continue-as-new, child
 * start), every activity attempt, each batch of local activities within one workflow task, every
 * timer (a `condition` with a timeout included), signal, accepted update and search-attribute upsert
 * (TemporalChangeVersion alone is exempt); plus what the API sent that leaves no event: queries, and
 * updates Temporal rejected. Patch markers cost nothing.
 */
import proto, { type temporal } from '@temporalio/proto';
import { parsePrometheusText, samplesOf } from '../harness/prometheus-text.js';

const EventType = proto.temporal.api.enums.v1.EventType;

/** Actions by what caused them. */
export type ActionCounts = Record<string, number>;

/** The name local activities' markers carry in the TypeScript SDK's histories. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

function onlyChangeVersion(event: temporal.api.history.v1.IHistoryEvent): boolean {
  const fields = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {};
  const names = Object.keys(fields);
  return names.length > 0 && names.every((name) => name === 'TemporalChangeVersion');
}

/** Actions recorded in one run's history, by kind. */
export function actionsInHistory(history: temporal.api.history.v1.IHistory): ActionCounts {
  const counts: ActionCounts = {};
  const add = (kind: string, n = 1) => {
    if (n > 0) counts[kind] = (counts[kind] ?? 0) + n;
  };
  const localActivityTasks = new Set<string>();
  for (const event of history.events ?? []) {
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        // A run continued from another was counted by that run's continue-as-new.
        if (!event.workflowExecutionStartedEventAttributes?.continuedExecutionRunId) add('workflow start');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('workflow start');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        // One action per attempt: the started event of the attempt that ended carries its number.
        add('activity attempts', Math.max(1, event.activityTaskStartedEventAttributes?.attempt ?? 1));
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        if (event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER)
          localActivityTasks.add(String(event.markerRecordedEventAttributes.workflowTaskCompletedEventId));
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timers');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        add('signals');
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('updates');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        if (!onlyChangeVersion(event)) add('search-attribute upserts');
        break;
      default:
        break;
    }
  }
  add('local activity batches', localActivityTasks.size);
  return counts;
}

/** The total of a breakdown. */
export function totalActions(counts: ActionCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** List price of Temporal Cloud actions, dollars per million (https://temporal.io/pricing, first tier). */
export const DOLLARS_PER_MILLION_ACTIONS = 50;

/** The API's `temporal_client_calls_total`, by call: `query`, `update_rejected` (an update Temporal refused), … */
export type ApiTemporalCalls = Record<string, number>;

/** Reads the API's count of the Temporal calls it sent, or null when its /metrics does not answer. */
export async function scrapeApiTemporalCalls(apiUrl: string, token?: string): Promise<ApiTemporalCalls | null> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/metrics`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
  } catch {
    return null;
  }
  if (!response.ok) return null;
  const calls: ApiTemporalCalls = {};
  for (const sample of samplesOf(parsePrometheusText(await response.text()), 'temporal_client_calls_total')) {
    const name = sample.labels.outcome === 'error' ? `${sample.labels.call}_rejected` : sample.labels.call;
    calls[name] = (calls[name] ?? 0) + sample.value;
  }
  return calls;
}

/** What the API sent between two scrapes that Temporal Cloud bills and no history records. */
export function apiOnlyActions(before: ApiTemporalCalls, after: ApiTemporalCalls): ActionCounts {
  const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
  const counts: ActionCounts = {};
  if (delta('query') > 0) counts['queries (API)'] = delta('query');
  const rejected = delta('update_rejected') + delta('update_with_start_rejected');
  if (rejected > 0) counts['rejected updates (API)'] = rejected;
  return counts;
}
