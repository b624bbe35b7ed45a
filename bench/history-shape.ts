/**
 * History events and Stripe calls per booking, for one card-only booking and one ACH booking
 * verified by microdeposits, each run alone on a quiet system so the emulator's request log holds
 * its calls only; compared with the least each path needs, and every event above it explained.
 */
import proto, { type temporal } from '@temporalio/proto';
import { waitFor } from '../harness/wait-for.js';
import { bookingWorkflowId } from '../workflows/booking/contract.js';
import type { BenchTarget } from './bench-target.js';
import type { FloorShape } from './floor/floor-workflow.js';
import { benchBookingBody, postBooking } from './booking-traffic.js';
import { bookingStateQuery } from '../workflows/booking/contract.js';
import { toBookingView } from '../api/booking/booking-view.js';
import { actionsInHistory, apiOnlyActions, totalActions, type ActionCounts } from './billable-actions.js';

/** What one path's history holds. */
export interface PathShape {
  path: string;
  /** Where the history was read (the workflow is still open for ACH: it listens for disputes). */
  readAt: string;
  historyEvents: number;
  eventsByType: Record<string, number>;
  activities: Record<string, number>;
  timers: number;
  signals: number;
  updates: number;
  workflowTasks: number;
  markers: number;
  searchAttributeUpserts: number;
  stripeCalls: Record<string, number>;
  stripeCallCount: number;
  /** Stripe events the inbox received for the booking, in order. */
  webhookTypes: string[];
  /** Those of them the relay signalled to the workflow (the others were recorded as handled or closed). */
  relayedWebhookTypes: string[];
  minimum: {
    activities: number;
    timers: number;
    signals: number;
    updates: number;
    historyEvents: number;
    stripeCalls: number;
    why: string;
  };
  /** Events above the minimum, grouped, each with why it is there. */
  aboveMinimum: Array<{ events: number; what: string; why: string }>;
  /** Activities scheduled before the first timer started (the floor's activities before `held`). */
  activitiesBeforeFirstTimer: number;
  /** Temporal Cloud actions the path cost, by kind (bench/billable-actions.ts); null kinds unmeasured. */
  actions: ActionCounts;
  actionCount: number;
  /** False when the API's /metrics did not answer: its queries are then missing from `actions`. */
  apiCallsMeasured: boolean;
  /** Actions one `GET /v1/bookings/:id` of this booking cost (its workflow query); null when unmeasured. */
  actionsPerView: number | null;
  /** Actions one `GET /v1/bookings/:id/status` costs (a describe: none); null when not measured. */
  actionsPerStatusRead: number | null;
  /** The history's size as Temporal stores it (protobuf, payloads encrypted by the codec). */
  historyBytes: number;
  /** Rows and bytes (pg_column_size of whole rows, indexes excluded) the booking left in Postgres. */
  storage: { inboxRows: number; inboxBytes: number; notificationRows: number; notificationBytes: number };
}

const EventType = proto.temporal.api.enums.v1.EventType;

/** Why each activity exists, for the explanation of events above the minimum. */
const ACTIVITY_REASONS: Record<string, string> = {
  ensureStripeCustomer:
    'a Stripe Customer per booking customer, so a card can be saved and charged off-session later; a hold alone does not need one',
  placeHold:
    "one Stripe request places the hold: the Stripe Customer ensured in the same activity, the PaymentIntent created with confirm: true; a decline's 402 names the PaymentIntent and a lost answer is found by its metadata",
  findPlacedHold: "a placement whose answer was lost is looked up by the PaymentIntent's metadata, not sent again",
  createHold:
    'histories from before one-call placement: the PaymentIntent created unconfirmed, then confirmed in a second call',
  confirmHold:
    'confirms an existing PaymentIntent: a declined one with the next card, an off-session renewal brought back on-session, or older histories',
  readPaymentIntent:
    'a relayed webhook that could move the hold back is checked against Stripe first (webhooks may arrive out of order)',
  notifyBookingService:
    'one durable notification (Postgres row and signed callback) per outcome the booking service hears of',
  releaseHold: 'cancels the PaymentIntent at the release deadline',
  placeBankPayment:
    'one Stripe request submits the bank debit: its PaymentIntent created with confirm: true under the mandate',
  createBankPayment: 'histories from before one-call placement: the bank PaymentIntent created, then confirmed',
  confirmBankPayment:
    'confirms an existing bank PaymentIntent: a refused one with the next account, or older histories',
  verifyMicrodeposits: "sends the customer's descriptor code to Stripe",
};

function nameOf(type: number | null | undefined): string {
  return EventType[type ?? 0] ?? String(type);
}

/** Counts what a history holds. */
export function describeHistory(history: temporal.api.history.v1.IHistory) {
  const events = history.events ?? [];
  const eventsByType: Record<string, number> = {};
  const activities: Record<string, number> = {};
  let activitiesBeforeFirstTimer = 0;
  let timerSeen = false;
  for (const event of events) {
    const name = nameOf(event.eventType).replace(/^EVENT_TYPE_/, '');
    eventsByType[name] = (eventsByType[name] ?? 0) + 1;
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const activity = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
      activities[activity] = (activities[activity] ?? 0) + 1;
      if (!timerSeen) activitiesBeforeFirstTimer += 1;
    }
    if (event.eventType === EventType.EVENT_TYPE_TIMER_STARTED) timerSeen = true;
  }
  const count = (name: string) => eventsByType[name] ?? 0;
  return {
    historyEvents: events.length,
    eventsByType,
    activities,
    timers: count('TIMER_STARTED'),
    signals: count('WORKFLOW_EXECUTION_SIGNALED'),
    updates: count('WORKFLOW_EXECUTION_UPDATE_ACCEPTED'),
    workflowTasks: count('WORKFLOW_TASK_COMPLETED'),
    markers: count('MARKER_RECORDED'),
    searchAttributeUpserts: count('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES'),
    activitiesBeforeFirstTimer,
  };
}

/**
 * The fewest history events a path with these steps needs when each step is its own workflow
 * task: the start and first task (4), each activity 6 (scheduled, started, completed, then a
 * task), each timer 5 (started, fired, a task), each signal 4, each update 5 (accepted, completed,
 * a task), and the completion (1) when the workflow has closed.
 */
export function minimumHistoryEvents(steps: {
  activities: number;
  timers: number;
  signals: number;
  updates: number;
  closed: boolean;
}): number {
  return 4 + steps.activities * 6 + steps.timers * 5 + steps.signals * 4 + steps.updates * 5 + (steps.closed ? 1 : 0);
}

/** Stripe calls with ids replaced, e.g. `POST /v1/payment_intents/:id/confirm`. */
function callName(method: string, path: string): string {
  return `${method} ${path.replace(/\/(pi|pm|cus|seti|re|ch|mandate|ba|fca)_[A-Za-z0-9_]+/g, '/:id')}`;
}

interface LoggedRequest {
  requestId: string;
  method: string;
  path: string;
}

async function requestLog(target: BenchTarget): Promise<LoggedRequest[]> {
  return (await target.emulatorControl<{ data: LoggedRequest[] }>('GET', '/_emulator/requests')).data;
}

/** The booking as the API shows it, read with the bench's own client so no API query is counted for the path. */
async function bookingView(target: BenchTarget, bookingId: string) {
  return toBookingView(await target.client.workflow.getHandle(bookingWorkflowId(bookingId)).query(bookingStateQuery));
}

/** What the booking left in the inbox and the notifications table. */
async function storageOf(target: BenchTarget, bookingId: string): Promise<PathShape['storage']> {
  const { rows } = await target.db.query<{ table: string; rows: string; bytes: string }>(
    `SELECT 'inbox' AS table, count(*) AS rows, coalesce(sum(pg_column_size(e.*)), 0) AS bytes
       FROM stripe_events e WHERE booking_id = $1
     UNION ALL
     SELECT 'notifications', count(*), coalesce(sum(pg_column_size(n.*)), 0) FROM notifications n WHERE booking_id = $1`,
    [bookingId],
  );
  const of = (table: string) => rows.find((row) => row.table === table)!;
  return {
    inboxRows: Number(of('inbox').rows),
    inboxBytes: Number(of('inbox').bytes),
    notificationRows: Number(of('notifications').rows),
    notificationBytes: Number(of('notifications').bytes),
  };
}

/** Actions one `GET` of `path` costs, from the API's count of the Temporal calls it sent. */
async function actionsPerRead(target: BenchTarget, path: string): Promise<number | null> {
  const before = await target.apiTemporalCalls();
  const view = await target.api('GET', path);
  const after = await target.apiTemporalCalls();
  if (!before || !after || view.status !== 200) return null;
  return totalActions(apiOnlyActions(before, after));
}

/** The card path: a booking held and released. */
async function runCardBooking(target: BenchTarget): Promise<string> {
  const body = benchBookingBody('shape-card', target.releaseGraceSeconds);
  await postBooking(target.apiUrl, target.apiToken, body);
  await waitFor(
    async () =>
      (await target.client.workflow.getHandle(bookingWorkflowId(body.bookingId)).describe()).status.name ===
      'COMPLETED',
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      description: 'the card booking released and closed',
    },
  );
  return body.bookingId;
}

/** The ACH path: a typed-in account verified by microdeposits, debited and settled, beside its card hold. */
async function runAchBooking(target: BenchTarget): Promise<string> {
  const body = {
    ...benchBookingBody('shape-ach', target.releaseGraceSeconds),
    payment: {
      amount: 12_500,
      method: 'us_bank_account',
      bankAccount: { accountNumber: '000123456789', routingNumber: '110000000', accountHolderName: 'Bench Guest' },
      verification: 'microdeposits',
      mandate: { ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0 (bench)', acceptedAt: new Date().toISOString() },
    },
  };
  await postBooking(target.apiUrl, target.apiToken, body);
  const paymentIs = (status: string) =>
    waitFor(async () => ((await bookingView(target, body.bookingId)).payment?.status === status ? true : false), {
      timeoutMs: 60_000,
      intervalMs: 200,
      description: `ACH booking payment ${status}`,
    });
  await paymentIs('awaiting_verification');
  const verified = await target.api('POST', `/v1/bookings/${body.bookingId}/microdeposits`, {
    descriptorCode: 'SM11AA',
  });
  if (verified.status !== 200) throw new Error(`microdeposits answered ${verified.status}`);
  await paymentIs('processing');
  const view = await bookingView(target, body.bookingId);
  await target.emulatorControl('POST', `/_emulator/payment_intents/${view.payment!.paymentIntentId}/settle`);
  await paymentIs('succeeded');
  await waitFor(async () => ((await bookingView(target, body.bookingId)).hold.status === 'released' ? true : false), {
    timeoutMs: 60_000,
    intervalMs: 200,
    description: 'ACH booking hold released',
  });
  // Let the last webhooks reach the workflow before its history is read.
  await waitFor(
    async () => {
      const { rows } = await target.db.query<{ status: string }>(
        'SELECT status FROM stripe_events WHERE booking_id = $1',
        [body.bookingId],
      );
      return rows.every((row) => row.status !== 'pending');
    },
    { timeoutMs: 30_000, intervalMs: 200, description: 'ACH booking webhooks relayed' },
  );
  return body.bookingId;
}

/** Runs one booking of `path` alone and describes its history and Stripe calls. */
export async function measurePathShape(target: BenchTarget, path: 'card' | 'ach-microdeposits'): Promise<PathShape> {
  const before = new Set((await requestLog(target)).map((entry) => entry.requestId));
  const callsBefore = await target.apiTemporalCalls();
  const bookingId = path === 'card' ? await runCardBooking(target) : await runAchBooking(target);
  // Webhook deliveries that trail the last state change settle within the relay interval.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const calls = (await requestLog(target)).filter((entry) => !before.has(entry.requestId));
  if (calls.length === 0) {
    throw new Error(
      `booking ${bookingId} made no call to the Stripe emulator whose request log the bench reads: the stack's API and worker use another Stripe`,
    );
  }
  const stripeCalls: Record<string, number> = {};
  for (const call of calls) {
    const name = callName(call.method, call.path);
    stripeCalls[name] = (stripeCalls[name] ?? 0) + 1;
  }
  const callsAfter = await target.apiTemporalCalls();
  const history = await target.client.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
  const described = describeHistory(history);
  const actions = {
    ...actionsInHistory(history),
    ...(callsBefore && callsAfter ? apiOnlyActions(callsBefore, callsAfter) : {}),
  };
  const { rows } = await target.db.query<{ type: string; status: string }>(
    'SELECT type, status FROM stripe_events WHERE booking_id = $1 ORDER BY received_at',
    [bookingId],
  );
  const webhookTypes = rows.map((row) => row.type);
  const relayedWebhookTypes = rows.filter((row) => row.status === 'relayed').map((row) => row.type);
  const minimum =
    path === 'card'
      ? {
          activities: 4,
          timers: 1,
          signals: 0,
          updates: 0,
          stripeCalls: 2,
          why: 'one PaymentIntent created and confirmed in one call, one cancel at the deadline; notifications `hold.held` and `hold.released`; one timer to the release deadline; no webhook is needed because the confirm call answers the outcome',
        }
      : {
          activities: 9,
          timers: 3,
          signals: 1,
          updates: 1,
          stripeCalls: 5,
          why: 'the card path (4 activities, 2 calls, 1 timer) plus: the bank PaymentMethod created by the API (1 call), the debit created and confirmed (1 call), the microdeposit code sent (1 call); notifications awaiting_verification, processing, succeeded; the 10-day verification window and the dispute window timers; one update (the code) and one signal (payment_intent.succeeded: settlement only arrives by webhook)',
        };
  const historyMinimum = minimumHistoryEvents({ ...minimum, closed: path === 'card' });
  return {
    path,
    readAt:
      path === 'card'
        ? 'workflow completed (hold released)'
        : 'payment succeeded and hold released (workflow stays open for the dispute window)',
    ...described,
    stripeCalls,
    stripeCallCount: calls.length,
    minimum: { ...minimum, historyEvents: historyMinimum },
    webhookTypes,
    relayedWebhookTypes,
    aboveMinimum: explainAboveMinimum(described, minimum, path === 'card', webhookTypes, relayedWebhookTypes),
    actions,
    actionCount: totalActions(actions),
    apiCallsMeasured: callsBefore !== null && callsAfter !== null,
    actionsPerView: await actionsPerRead(target, `/v1/bookings/${bookingId}`),
    actionsPerStatusRead: await actionsPerRead(target, `/v1/bookings/${bookingId}/status`),
    historyBytes: proto.temporal.api.history.v1.History.encode(history).finish().length,
    storage: await storageOf(target, bookingId),
  };
}

/** History events of one kind, for the comparison with the minimum. */
function eventGroup(name: string): string {
  if (name.startsWith('ACTIVITY_TASK_')) return 'activity';
  if (name.startsWith('TIMER_')) return 'timer';
  if (name === 'WORKFLOW_EXECUTION_SIGNALED') return 'signal';
  if (name.startsWith('WORKFLOW_EXECUTION_UPDATE_')) return 'update';
  if (name.startsWith('WORKFLOW_TASK_')) return 'workflow task';
  if (name === 'MARKER_RECORDED') return 'marker';
  if (name === 'UPSERT_WORKFLOW_SEARCH_ATTRIBUTES') return 'search attributes';
  return 'start and close';
}

/**
 * Events above the minimum, by kind, summing exactly to the difference: the minimum's own events
 * by kind are start 1, tasks 3 × (1 + steps), activities 3 each, timers 2, signals 1, updates 2, close 1.
 */
function explainAboveMinimum(
  described: ReturnType<typeof describeHistory>,
  minimum: { activities: number; timers: number; signals: number; updates: number },
  closed: boolean,
  webhookTypes: string[],
  relayedWebhookTypes: string[],
): PathShape['aboveMinimum'] {
  const actual: Record<string, number> = {};
  for (const [name, n] of Object.entries(described.eventsByType))
    actual[eventGroup(name)] = (actual[eventGroup(name)] ?? 0) + n;
  const least: Record<string, number> = {
    'start and close': closed ? 2 : 1,
    'workflow task': 3 * (1 + minimum.activities + minimum.timers + minimum.signals + minimum.updates),
    activity: 3 * minimum.activities,
    timer: 2 * minimum.timers,
    signal: minimum.signals,
    update: 2 * minimum.updates,
    marker: 0,
    'search attributes': 0,
  };
  const activityList = Object.entries(described.activities)
    .map(([name, n]) => `${name} ×${n}`)
    .join(', ');
  const reasons: Record<string, string> = {
    activity: `activities ${activityList} (minimum ${minimum.activities}; 3 events each). ${Object.keys(
      described.activities,
    )
      .filter((name) => ACTIVITY_REASONS[name])
      .map((name) => `${name}: ${ACTIVITY_REASONS[name]}`)
      .join('; ')}`,
    signal: `${described.signals} signals for ${relayedWebhookTypes.length} relayed webhooks (${relayedWebhookTypes.join(', ') || 'none'}; minimum ${minimum.signals}) of the ${webhookTypes.length} received: the relay signals a webhook that can change the booking (a PaymentIntent status the workflow has not learned from Stripe's answers to its own calls, a dispute, a refund landing) and records the others as handled in the inbox; a webhook about a new PaymentIntent waits up to RELAY_UNLEARNED_GRACE_MS for the answer to the call that made it, one about a known PaymentIntent that beats its call's answer is relayed, and one whose order matters costs a \`readPaymentIntent\``,
    'workflow task': `${described.workflowTasks} workflow tasks (minimum ${1 + minimum.activities + minimum.timers + minimum.signals + minimum.updates}; 3 events each): the extra activities and webhooks wake the workflow too`,
    timer: `${described.timers} timers started: the main loop arms one timer per deadline and a new one only when a state change moves the deadline`,
    marker:
      'the patch marker of the booking baseline (`booking-baseline-2026-12`), once per run: it stands for the 13 patches before it, which a booking started with it takes without a marker each (patches added after it would add one each)',
    'search attributes':
      'hold and payment status upserted as search attributes at each change, so ops can find bookings by status; and the `TemporalChangeVersion` upsert the SDK writes with the patch marker (not billed)',
    update: 'updates beyond the minimum',
    'start and close': '',
  };
  return Object.keys(least)
    .map((group) => ({ group, excess: (actual[group] ?? 0) - least[group] }))
    .filter(({ excess }) => excess !== 0)
    .map(({ group, excess }) => ({
      events: excess,
      what: group,
      why:
        excess < 0
          ? 'below the minimum: a step counted in the minimum had not happened yet when the history was read (the dispute-window timer has not fired), or shared a workflow task with another'
          : reasons[group],
    }));
}

/** The floor's shape, copied from the card path's history. */
export function floorShapeOf(card: PathShape): FloorShape {
  const activities = Object.values(card.activities).reduce((sum, n) => sum + n, 0);
  return {
    activitiesBeforeHeld: Math.max(1, card.activitiesBeforeFirstTimer),
    activitiesAfterRelease: Math.max(1, activities - card.activitiesBeforeFirstTimer),
    timers: Math.max(1, card.timers),
    signals: card.signals,
  };
}
