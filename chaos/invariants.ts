/**
 * The invariants every chaos scenario ends with, checked against the emulator's Stripe state, the
 * Postgres inbox, the booking service's callbacks and Temporal:
 * exactly one hold per booking; every hold released or expired by Stripe and reported, or still
 * held with its release timer pending; no PaymentIntent a booking placed left in a state it should
 * not end in (a captured hold, a confirmation abandoned, a payment waiting on a finished booking);
 * no webhook lost; no booking stuck without a timer or a pending activity.
 */
import type Stripe from 'stripe';
import type { SystemUnderTest } from '../harness/system-under-test.js';
import { bookingWorkflowId } from '../workflows/booking/contract.js';

/** What the checks counted and the violations they found. */
export interface InvariantReport {
  checked: Record<string, number>;
  violations: string[];
}

/** What a scenario tells the checker about its bookings. */
export interface InvariantOptions {
  /** How long webhooks and the relay get to settle before an event counts as lost (default 30 s). */
  settleMs?: number;
}

/** The PaymentIntent fields the checks read. */
interface EmulatedPaymentIntent {
  id: string;
  status: string;
  capture_method: string;
  metadata: Record<string, string>;
}

/** Inbox statuses meaning the event reached its booking (or its booking had already closed). */
const SETTLED_INBOX_STATUSES = new Set(['relayed', 'closed', 'handled', 'ignored']);
const HOLD_REPORTS = new Set(['hold.released', 'hold.expired']);

/** Checks every invariant for `bookingIds`; waits up to `settleMs` for webhooks and callbacks to settle. */
export async function checkInvariants(
  system: SystemUnderTest,
  bookingIds: string[],
  { settleMs = 30_000 }: InvariantOptions = {},
): Promise<InvariantReport> {
  const deadline = Date.now() + settleMs;
  let report = await checkOnce(system, bookingIds);
  while (report.violations.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    report = await checkOnce(system, bookingIds);
  }
  return report;
}

async function checkOnce(system: SystemUnderTest, bookingIds: string[]): Promise<InvariantReport> {
  const violations: string[] = [];
  const checked = {
    bookings: bookingIds.length,
    holds: 0,
    released: 0,
    stillHeld: 0,
    events: 0,
    eventsInInbox: 0,
    running: 0,
    waitingOnTimer: 0,
    waitingOnActivity: 0,
  };
  const ours = new Set(bookingIds);

  const { data: intents } = await system.emulatorControl<{ data: EmulatedPaymentIntent[] }>(
    'GET',
    '/_emulator/payment_intents',
  );
  const intentsByBooking = new Map<string, EmulatedPaymentIntent[]>();
  for (const intent of intents) {
    const bookingId = intent.metadata.booking_id;
    if (!ours.has(bookingId)) continue;
    intentsByBooking.set(bookingId, [...(intentsByBooking.get(bookingId) ?? []), intent]);
  }

  const events = (await listEmulatorEvents(system)).filter((event) => ours.has(bookingIdOf(event) ?? ''));
  checked.events = events.length;
  const inbox = await system.db.query<{ id: string; status: string }>(
    'SELECT id, status FROM stripe_events WHERE id = ANY($1)',
    [events.map((event) => event.id)],
  );
  const inboxStatus = new Map(inbox.rows.map((row) => [row.id, row.status]));
  for (const event of events) {
    const status = inboxStatus.get(event.id);
    if (status === undefined) violations.push(`webhook lost: ${event.type} ${event.id} is not in the inbox`);
    else if (!SETTLED_INBOX_STATUSES.has(status))
      violations.push(`webhook not relayed: ${event.type} ${event.id} is ${status}`);
    else checked.eventsInInbox += 1;
  }

  for (const bookingId of bookingIds) {
    const bookingIntents = intentsByBooking.get(bookingId) ?? [];
    const holds = bookingIntents.filter((intent) => intent.capture_method === 'manual');
    checked.holds += holds.length;
    if (holds.length !== 1) violations.push(`booking ${bookingId} has ${holds.length} holds on Stripe, not 1`);

    const workflow = await describeWorkflow(system, bookingId);
    if (workflow.running) {
      checked.running += 1;
      if (workflow.pendingTimers > 0) checked.waitingOnTimer += 1;
      else if (workflow.pendingActivities > 0) checked.waitingOnActivity += 1;
      else violations.push(`booking ${bookingId} is running with neither a timer nor an activity pending`);
    }

    const reports = system.callbacks
      .filter((callback) => callback.bookingId === bookingId)
      .map((callback) => callback.type);
    for (const hold of holds) {
      if (hold.status === 'canceled') {
        checked.released += 1;
        if (!reports.some((type) => HOLD_REPORTS.has(type)))
          violations.push(
            `hold ${hold.id} of ${bookingId} is canceled on Stripe but no release or expiry was reported`,
          );
      } else if (hold.status === 'requires_capture') {
        checked.stillHeld += 1;
        if (!workflow.running || workflow.pendingTimers === 0)
          violations.push(`hold ${hold.id} of ${bookingId} is still authorised with no release timer pending`);
      }
    }
    for (const intent of bookingIntents) {
      const left = leftBehind(intent, workflow);
      if (left) violations.push(`PaymentIntent ${intent.id} of ${bookingId} is ${intent.status}: ${left}`);
    }
  }
  return { checked, violations };
}

/**
 * Why a PaymentIntent is in a state its booking should not leave it in, or null. A hold ends
 * canceled (released, or expired by Stripe) and a bank debit succeeded or canceled; until then the
 * booking's workflow must be attending to it (a timer or an activity pending): a hold's release, a
 * payment in processing, a customer asked for a new payment method or for authentication.
 */
function leftBehind(
  intent: EmulatedPaymentIntent,
  workflow: { running: boolean; pendingTimers: number; pendingActivities: number },
): string | null {
  const hold = intent.capture_method === 'manual';
  switch (intent.status) {
    case 'canceled':
      return null;
    case 'succeeded':
      return hold ? 'a hold was captured' : null;
    case 'requires_capture':
      return null; // checked with the hold's release timer above
    case 'requires_confirmation':
      // Placing a hold creates and confirms it within one step; settled, it is a placement abandoned.
      return 'created and never confirmed';
    case 'requires_payment_method':
    case 'requires_action':
    case 'processing':
      return workflow.running && (workflow.pendingTimers > 0 || workflow.pendingActivities > 0)
        ? null
        : 'its booking no longer waits on it';
    default:
      return `a status no booking ends in`;
  }
}

/** Every event the emulator recorded (as Stripe's `/v1/events` lists them). */
export async function listEmulatorEvents(system: SystemUnderTest): Promise<Stripe.Event[]> {
  return system.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
}

/** The booking an event belongs to (`metadata.booking_id` of its object). */
export function bookingIdOf(event: Stripe.Event): string | undefined {
  return (event.data.object as { metadata?: Record<string, string> }).metadata?.booking_id;
}

/** Whether a booking's workflow runs, and what it waits on: pending activities, timers started and not fired. */
async function describeWorkflow(system: SystemUnderTest, bookingId: string) {
  const handle = system.client.workflow.getHandle(bookingWorkflowId(bookingId));
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING') return { running: false, pendingActivities: 0, pendingTimers: 0 };
  const history = await handle.fetchHistory();
  const open = new Set<string>();
  for (const event of history.events ?? []) {
    if (event.timerStartedEventAttributes?.timerId) open.add(event.timerStartedEventAttributes.timerId);
    if (event.timerFiredEventAttributes?.timerId) open.delete(event.timerFiredEventAttributes.timerId);
    if (event.timerCanceledEventAttributes?.timerId) open.delete(event.timerCanceledEventAttributes.timerId);
  }
  return { running: true, pendingActivities: description.raw.pendingActivities?.length ?? 0, pendingTimers: open.size };
}
