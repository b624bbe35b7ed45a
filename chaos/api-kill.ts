/**
 * Scenario: an API process (`api/main.ts`) killed with SIGKILL while booking creates and signed
 * webhook deliveries are in flight, then restarted on the same address; the clients retry what got
 * no answer, as the booking service and Stripe would (same booking ids and bodies, same event ids,
 * freshly signed). Every booking ends with one workflow and one hold, a retried create answers the
 * booking its lost answer started (or starts it), every webhook ever answered 200 is in the inbox
 * with its booking, and nothing is half-written. The API writes no row for a card booking: its
 * writes are the workflow start (with the request's fingerprint in its memo, which a retry must
 * match) and the inbox row (a webhook answers 200 only once its insert committed).
 */
import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { stripeSignatureHeader } from '../emulator/webhooks/webhook-signature.js';
import { startApiProcess, type ApiProcess } from '../harness/api-process.js';
import { getFreePort } from '../harness/free-port.js';
import { newBooking, type SystemUnderTest } from '../harness/system-under-test.js';
import { bookingWorkflowId } from '../workflows/booking/contract.js';
import type { ChaosSystem } from './chaos-system.js';
import { cancelBookings, createBookings, shuffled, tally, waitForHolds } from './booking-driver.js';
import { bookingIdOf, checkInvariants, listEmulatorEvents } from './invariants.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** Retries of a request that got no answer (or a 5xx), as a client with backoff would. */
const MAX_RETRIES = 5;
const RETRY_GAP_MS = 500;

/** One request a client sends, and what became of each attempt. */
interface ClientRequest {
  kind: 'create' | 'webhook';
  path: string;
  /** The booking it creates or the event's booking. */
  bookingId: string;
  eventId?: string;
  /** The body; a webhook is signed again at each attempt, as Stripe does. */
  body: string;
  answers: Array<{ status: number; duplicate?: boolean; code?: string }>;
  /** Attempts that got no answer (the connection died with the process). */
  lost: number;
  /** Whether the latest attempt got an answer. */
  lastAnswered: boolean;
}

/** Runs the scenario: warm bookings whose events are held back, then a burst cut by the kill. */
export async function runApiKill(
  system: SystemUnderTest,
  scale: ChaosScale,
  chaos: ChaosSystem,
): Promise<ScenarioReport> {
  return timedScenario('API process killed with requests in flight, restarted, clients retry', async (report) => {
    const port = await getFreePort();
    const start = () => startApiProcess(system, { port, onLine: (line) => chaos.processLogLines.push(line) });
    // The emulator's own deliveries (to the in-process API) wait: this scenario's client delivers them to the process.
    await system.emulatorControl('POST', '/_emulator/faults', { webhooks: { pause: true } });
    let api: ApiProcess | undefined;
    const bookingIds: string[] = [];
    try {
      api = await start();
      const warm = await createBookings(system, scale.bookings);
      bookingIds.push(...warm);
      await waitForHolds(system, warm, ['held']);
      const warmIds = new Set(warm);
      const events = (await listEmulatorEvents(system)).filter((event) => warmIds.has(bookingIdOf(event) ?? ''));

      const requests: ClientRequest[] = shuffled([
        ...Array.from({ length: scale.bookings * 2 }, () => {
          const booking = newBooking({ bookingId: `chaos-kill-${randomUUID()}` });
          return {
            kind: 'create' as const,
            path: '/v1/bookings',
            bookingId: booking.bookingId,
            body: JSON.stringify(booking),
            answers: [],
            lost: 0,
            lastAnswered: false,
          };
        }),
        ...events.map((event: Stripe.Event) => ({
          kind: 'webhook' as const,
          path: '/v1/webhooks/stripe',
          bookingId: bookingIdOf(event)!,
          eventId: event.id,
          body: JSON.stringify(event),
          answers: [],
          lost: 0,
          lastAnswered: false,
        })),
      ]);
      bookingIds.push(...requests.filter((request) => request.kind === 'create').map((request) => request.bookingId));
      report.tried = {
        'warm bookings': warm.length,
        ...tally(requests.map((request) => `${request.kind}s in the burst`)),
      };

      // Clients in parallel lanes, each sending its next request as soon as the last is answered; the
      // kill lands when half have settled, with one request of each lane in flight.
      let settled = 0;
      let killed = false;
      let halfSettled: () => void = () => undefined;
      const half = new Promise<void>((resolve) => (halfSettled = resolve));
      const queue = [...requests];
      const lanes = Array.from({ length: Math.max(2, scale.bookings) }, async () => {
        for (let request = queue.shift(); request && !killed; request = queue.shift()) {
          await send(system, api!.url, request);
          settled += 1;
          if (settled >= requests.length / 2) halfSettled();
        }
      });
      await half;
      const inFlight = requests.length - settled - queue.length;
      killed = true;
      const exit = await api.child.stop({ signal: 'SIGKILL' });
      await Promise.all(lanes);
      report.counted['requests in flight at the kill'] = inFlight;
      if (exit.signal !== 'SIGKILL')
        report.failures.push(`the API ended with ${exit.signal ?? `code ${exit.code}`}, not SIGKILL`);
      report.counted['answered before the kill'] = requests.filter((request) => request.lastAnswered).length;
      report.counted['lost in the kill'] = requests.filter((request) => request.lost > 0).length;
      report.counted['not yet sent at the kill'] = requests.filter(
        (request) => request.answers.length === 0 && request.lost === 0,
      ).length;
      if (report.counted['lost in the kill'] === 0)
        report.failures.push('the kill cut no request: nothing was in flight');

      api = await start();
      let retries = 0;
      const retried = new Set<ClientRequest>();
      for (let round = 0; round < MAX_RETRIES; round += 1) {
        const unanswered = requests.filter((request) => !hasFinalAnswer(request));
        if (unanswered.length === 0) break;
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_GAP_MS));
        retries += unanswered.length;
        for (const request of unanswered) retried.add(request);
        await Promise.all(unanswered.map((request) => send(system, api!.url, request)));
      }
      const lost = [...retried].filter((request) => request.lost > 0);
      report.counted['requests retried after losing their answer'] = lost.length;
      report.counted['attempts after the restart'] = retries;
      const retriedAnswers = lost.map((request) => ({ kind: request.kind, ...request.answers.at(-1) }));
      report.counted['retried creates answered 201'] = retriedAnswers.filter(
        (answer) => answer.kind === 'create' && answer.status === 201,
      ).length;
      report.counted['retried creates answered 200 (started before the kill)'] = retriedAnswers.filter(
        (answer) => answer.kind === 'create' && answer.status === 200,
      ).length;
      report.counted['retried webhooks answered duplicate'] = retriedAnswers.filter(
        (answer) => answer.kind === 'webhook' && answer.duplicate === true,
      ).length;
      report.counted.duplicates =
        report.counted['retried creates answered 200 (started before the kill)'] +
        report.counted['retried webhooks answered duplicate'];

      await checkNothingHalfWritten(system, requests, report);
      await waitForHolds(system, bookingIds, ['held']);
      report.counted['cancelled and released'] = await cancelBookings(system, bookingIds);
    } finally {
      await api?.child.stop();
      // Releases the held deliveries: the in-process API answers them as duplicates.
      await system.emulatorControl('DELETE', '/_emulator/faults');
    }
    return checkInvariants(system, bookingIds);
  });
}

/** A 2xx, or a 4xx that no retry changes; a lost answer or a 5xx is retried. */
function hasFinalAnswer(request: ClientRequest): boolean {
  return request.lastAnswered && request.answers.at(-1)!.status < 500;
}

/** Sends one attempt of `request` to the API at `url`, recording its answer or its loss. */
async function send(system: SystemUnderTest, url: string, request: ClientRequest): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (request.kind === 'create') headers.authorization = `Bearer ${system.apiToken}`;
  else
    headers['stripe-signature'] = stripeSignatureHeader(
      request.body,
      system.webhookSecret,
      Math.floor(Date.now() / 1000),
    );
  let response: Response;
  try {
    response = await fetch(`${url}${request.path}`, { method: 'POST', headers, body: request.body });
  } catch {
    request.lost += 1;
    request.lastAnswered = false;
    return;
  }
  let body: { duplicate?: boolean; error?: { code?: string } } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // The process died while writing the body: the status alone is not an answer a client trusts.
    request.lost += 1;
    request.lastAnswered = false;
    return;
  }
  request.lastAnswered = true;
  request.answers.push({ status: response.status, duplicate: body.duplicate, code: body.error?.code });
}

/**
 * Every create answered 201 at most once and ended 201 or 200 with one workflow; every webhook
 * ever answered 200 is in the inbox under its booking.
 */
async function checkNothingHalfWritten(
  system: SystemUnderTest,
  requests: ClientRequest[],
  report: Omit<ScenarioReport, 'invariants' | 'durationMs'>,
): Promise<void> {
  let oneWorkflow = 0;
  for (const request of requests.filter((candidate) => candidate.kind === 'create')) {
    const statuses = request.answers.map((answer) => answer.status);
    if (statuses.filter((status) => status === 201).length > 1)
      report.failures.push(`${request.bookingId}: created twice (${statuses.join(',')})`);
    const last = statuses.at(-1);
    if (last !== 201 && last !== 200)
      report.failures.push(
        `${request.bookingId}: create ended ${last ?? 'without an answer'} (${request.answers.map((answer) => answer.code).join(',')})`,
      );
    const { count } = await system.client.workflow.count(`WorkflowId = '${bookingWorkflowId(request.bookingId)}'`);
    if (count === 1) oneWorkflow += 1;
    else report.failures.push(`${request.bookingId}: ${count} workflows`);
  }
  report.counted['bookings with one workflow'] = oneWorkflow;

  const acknowledged = requests.filter(
    (request) => request.kind === 'webhook' && request.answers.some((answer) => answer.status === 200),
  );
  const rows = await system.db.query<{ id: string; booking_id: string | null }>(
    'SELECT id, booking_id FROM stripe_events WHERE id = ANY($1)',
    [acknowledged.map((request) => request.eventId)],
  );
  const stored = new Map(rows.rows.map((row) => [row.id, row.booking_id]));
  for (const request of acknowledged) {
    if (!stored.has(request.eventId!))
      report.failures.push(`webhook ${request.eventId} answered 200 but is not in the inbox`);
    else if (stored.get(request.eventId!) !== request.bookingId)
      report.failures.push(
        `webhook ${request.eventId} is stored under ${stored.get(request.eventId!)}, not ${request.bookingId}`,
      );
  }
  report.counted['webhooks answered 200 and in the inbox'] = acknowledged.filter(
    (request) => stored.get(request.eventId!) === request.bookingId,
  ).length;
  const unanswered = requests.filter(
    (request) => request.kind === 'webhook' && !request.answers.some((answer) => answer.status === 200),
  );
  for (const request of unanswered)
    report.failures.push(
      `webhook ${request.eventId} never answered 200 (${request.answers.map((answer) => answer.status).join(',')})`,
    );
}
