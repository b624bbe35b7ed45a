/**
 * Scenarios on the production topology (harness/cluster.ts: Temporal's services as processes on
 * PostgreSQL, two workers, two APIs both running the inbox relay, the emulator's webhooks going to
 * the second API). Each takes a process away under load, then accounts for every booking and webhook
 * from Temporal's histories, the inbox and the emulator. They run in order on one cluster: after
 * `cluster-worker-kill` one worker is left. `scale.bookings` is the bookings of each block's first
 * wave (the other waves are sized from it); test/cluster runs them at 6, `npm run chaos -- --target
 * cluster` larger.
 */
import type { TestCluster } from '../harness/cluster.js';
import { scrape, sumOf } from '../harness/prometheus-text.js';
import { postWebhook, type ApiAnswer } from '../harness/system-under-test.js';
import { waitFor } from '../harness/wait-for.js';
import { bookingWorkflowId } from '../workflows/booking/contract.js';
import type { BookingView } from '../api/booking/schemas.js';
import {
  CREATING_API,
  WEBHOOK_API,
  accountingInvariants,
  createAuthenticatedBookings,
  createBookings,
  createRetrying,
  inboxRows,
  settledAccounting,
  shortBooking,
  stripeEventsOf,
  waitForHolds,
} from './cluster-accounting.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** A named cluster scenario. */
export interface ClusterScenario {
  name: string;
  run(cluster: TestCluster, scale: ChaosScale): Promise<ScenarioReport>;
}

/** How long a wave of bookings may take to reach a status: longer for bigger waves on 2 cores. */
const holdsTimeoutMs = (bookings: number) => Math.max(90_000, bookings * 4_000);

const metricsOf = async (cluster: TestCluster, index: number) => scrape(`${cluster.apis[index].url}/metrics`);

/** Bookings created through one API, webhooks through the other; two relays signal each event once. */
export async function runSharedInbox(cluster: TestCluster, scale: ChaosScale): Promise<ScenarioReport> {
  return timedScenario('two APIs sharing the inbox', async (report) => {
    const before = await Promise.all([metricsOf(cluster, 0), metricsOf(cluster, 1)]);
    const cardBookings = await createBookings(cluster, scale.bookings);
    // Held after 3-D Secure: the authorization's webhook carries news, so the relays must signal it.
    const authenticated = await createAuthenticatedBookings(cluster, Math.max(2, Math.ceil(scale.bookings / 3)));
    const bookingIds = [...cardBookings, ...authenticated];
    report.tried['bookings created through API 0'] = bookingIds.length;
    report.tried['of them held after 3-D Secure'] = authenticated.length;
    await waitForHolds(cluster, bookingIds, ['released'], WEBHOOK_API, holdsTimeoutMs(bookingIds.length));

    const accounting = await settledAccounting(cluster, bookingIds);
    const after = await Promise.all([metricsOf(cluster, 0), metricsOf(cluster, 1)]);
    const delta = (index: number, name: string, labels: Record<string, string> = {}) =>
      sumOf(after[index], name, labels) - sumOf(before[index], name, labels);
    // Stored for the relay, or recorded as handled on receipt (a charge's own events, payment_intent.created).
    const stored =
      delta(WEBHOOK_API, 'bookings_webhooks_received_total', { outcome: 'stored' }) +
      delta(WEBHOOK_API, 'bookings_webhooks_received_total', { outcome: 'handled' });
    const relayedBy = [0, 1].map((index) =>
      delta(index, 'bookings_inbox_relay_outcomes_total', { outcome: 'relayed' }),
    );
    report.counted['webhooks stored by API 1'] = stored;
    report.counted['webhooks received by API 0'] = delta(CREATING_API, 'bookings_webhooks_received_total');
    report.counted['relayed by API 0'] = relayedBy[0];
    report.counted['relayed by API 1'] = relayedBy[1];
    report.counted['relayed events in the histories'] = accounting.signalsPerRelayedEvent.size;
    if (accounting.signalsPerRelayedEvent.size < authenticated.length)
      report.failures.push(
        `${accounting.signalsPerRelayedEvent.size} events relayed, fewer than the ${authenticated.length} authorizations after 3-D Secure`,
      );
    // Every webhook reached the second API; the first received none.
    if (stored < accounting.events) report.failures.push(`API 1 stored ${stored} webhooks of ${accounting.events}`);
    if (report.counted['webhooks received by API 0'] !== 0) report.failures.push('API 0 received webhooks');
    // The two relays together signalled as many events as the histories show, none twice.
    if (relayedBy[0] + relayedBy[1] !== accounting.signalsPerRelayedEvent.size)
      report.failures.push(
        `the relays counted ${relayedBy[0] + relayedBy[1]} relayed, the histories ${accounting.signalsPerRelayedEvent.size}`,
      );
    return accountingInvariants(accounting);
  });
}

/** The identities (`pid@host`) that completed each workflow task of a booking, in order. */
async function workflowTaskIdentities(cluster: TestCluster, bookingId: string): Promise<string[]> {
  const history = await cluster.client.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
  return (history.events ?? []).flatMap((event) => event.workflowTaskCompletedEventAttributes?.identity ?? []);
}

/** SIGKILL of one worker under load: every booking ends released, one PaymentIntent each, on the survivor. */
export async function runClusterWorkerKill(cluster: TestCluster, scale: ChaosScale): Promise<ScenarioReport> {
  return timedScenario('worker SIGKILL under load', async (report) => {
    const [doomed, survivor] = cluster.workers;
    const doomedIdentity = cluster.identityOf(doomed.child.pid);
    const first = await createBookings(cluster, Math.ceil((4 * scale.bookings) / 3));
    // Under load: the kill lands once the first holds are placed, with the rest in flight.
    await waitFor(
      async () => {
        const views = await Promise.all(
          first.map((id) => cluster.api<BookingView>(CREATING_API, 'GET', `/v1/bookings/${id}`)),
        );
        return views.some((view) => view.body.hold?.status === 'held');
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'a first hold placed' },
    );
    const exit = await doomed.kill();
    if (exit.signal !== 'SIGKILL')
      report.failures.push(`the worker ended with ${exit.signal ?? exit.code}, not SIGKILL`);
    const afterKill = await createBookings(cluster, Math.ceil((2 * scale.bookings) / 3));
    const bookingIds = [...first, ...afterKill];
    report.tried['bookings before the kill'] = first.length;
    report.tried['bookings after it'] = afterKill.length;
    await waitForHolds(cluster, bookingIds, ['released'], WEBHOOK_API, holdsTimeoutMs(bookingIds.length));

    const invariants = accountingInvariants(await settledAccounting(cluster, bookingIds));
    const identities = await Promise.all(bookingIds.map((id) => workflowTaskIdentities(cluster, id)));
    const survivorIdentity = cluster.identityOf(survivor.child.pid);
    // The killed worker had taken part; every booking's last workflow task ran on the survivor.
    report.counted['workflow tasks on the killed worker'] = identities
      .flat()
      .filter((id) => id === doomedIdentity).length;
    report.counted['bookings finished on the survivor'] = identities.filter(
      (ids) => ids.at(-1) === survivorIdentity,
    ).length;
    if (report.counted['workflow tasks on the killed worker'] === 0)
      report.failures.push('the killed worker had completed no workflow task');
    if (report.counted['bookings finished on the survivor'] !== bookingIds.length)
      report.failures.push('not every booking finished on the surviving worker');
    // The later scenarios run on the survivor alone (a worker's restart is the same code as the API's).
    return invariants;
  });
}

/** The events of these bookings the emulator delivered to the webhook API and got 200 for. */
async function eventsAnswered200(cluster: TestCluster, bookingIds: string[]): Promise<string[]> {
  const ours = new Set((await stripeEventsOf(cluster, bookingIds)).map((event) => event.id));
  const { data } = await cluster.emulatorControl<{
    data: Array<{ eventId: string; attempts: Array<{ status: number | null }> }>;
  }>('GET', '/_emulator/webhooks/deliveries');
  return data
    .filter((delivery) => ours.has(delivery.eventId) && delivery.attempts.some((attempt) => attempt.status === 200))
    .map((delivery) => delivery.eventId);
}

/** SIGKILL of the webhook API with creates in flight: the other answers; every webhook answered 200 is relayed. */
export async function runClusterApiKill(cluster: TestCluster, scale: ChaosScale): Promise<ScenarioReport> {
  return timedScenario('API SIGKILL with requests in flight', async (report) => {
    const victim = cluster.apis[WEBHOOK_API];
    const first = await createBookings(cluster, scale.bookings);
    await waitFor(async () => (await eventsAnswered200(cluster, first)).length > 0, {
      description: 'webhooks reaching the victim',
    });
    // Requests in flight on the victim at the kill: bookings created through it, and webhooks.
    const sentToVictim = Array.from({ length: Math.ceil((2 * scale.bookings) / 3) }, () => shortBooking());
    const victimAnswers = sentToVictim.map((booking) =>
      cluster.api(WEBHOOK_API, 'POST', '/v1/bookings', booking).catch((error: unknown) => error),
    );
    const exit = await victim.kill();
    if (exit.signal !== 'SIGKILL') report.failures.push(`the API ended with ${exit.signal ?? exit.code}, not SIGKILL`);
    const answeredByVictim = await eventsAnswered200(cluster, first);

    // The other API answers: new bookings, and those the victim did not accept, sent again (same body).
    const during = await createBookings(cluster, sentToVictim.length);
    let resent = 0;
    for (const [index, answer] of (await Promise.all(victimAnswers)).entries()) {
      if ((answer as ApiAnswer).status === 201) continue;
      await createRetrying(cluster, CREATING_API, { booking: sentToVictim[index] });
      resent += 1;
    }
    report.tried['bookings before the kill'] = first.length;
    report.tried['creates in flight on the victim'] = sentToVictim.length;
    report.tried['bookings through the other API during the kill'] = during.length;
    report.counted['webhooks answered 200 by the victim'] = answeredByVictim.length;
    report.counted['creates in flight sent again'] = resent;
    // Every webhook the victim answered 200 is in the inbox.
    const inInbox = new Set((await inboxRows(cluster, answeredByVictim)).map((row) => row.id));
    for (const eventId of answeredByVictim.filter((id) => !inInbox.has(id)))
      report.failures.push(`${eventId}: answered 200 by the victim, not in the inbox`);

    // The webhooks that failed with the victim are delivered again once it is back.
    await victim.restart();
    const bookingIds = [...first, ...sentToVictim.map((booking) => booking.bookingId), ...during];
    await waitForHolds(cluster, bookingIds, ['released'], CREATING_API, holdsTimeoutMs(bookingIds.length));
    const invariants = accountingInvariants(await settledAccounting(cluster, bookingIds));
    // Relayed, handled (it told its booking nothing new), or closed (its booking had finished). A relay killed between its signal and marking
    // the row relayed leaves the row to the other relay, which signals it again: with the event's own
    // request id, Temporal records it once (inbox/event-delivery.ts), as the invariants check.
    for (const row of await inboxRows(cluster, answeredByVictim))
      if (!['relayed', 'handled', 'closed'].includes(row.status))
        report.failures.push(`${row.id}: answered 200 by the victim, left ${row.status}`);
    return invariants;
  });
}

/** The history service killed and restarted under load: bookings carry on, nothing lost. */
export async function runHistoryKill(cluster: TestCluster, scale: ChaosScale): Promise<ScenarioReport> {
  return timedScenario('history service SIGKILL and restart', async (report) => {
    const first = await createBookings(cluster, scale.bookings);
    const exit = await cluster.services.history.kill();
    if (exit.signal !== 'SIGKILL') report.failures.push(`history ended with ${exit.signal ?? exit.code}, not SIGKILL`);
    const whileDown = createRetrying(cluster, CREATING_API);
    const started = Date.now();
    await cluster.services.history.restart();
    report.counted['history restart (ms)'] = Date.now() - started;
    const more = Array.from({ length: Math.ceil(scale.bookings / 2) - 1 }, () => createRetrying(cluster, CREATING_API));
    const later = await Promise.all([whileDown, ...more]);
    const bookingIds = [...first, ...later];
    report.tried['bookings before the kill'] = first.length;
    report.tried['bookings sent while it restarted'] = later.length;
    await waitForHolds(cluster, bookingIds, ['released'], CREATING_API, holdsTimeoutMs(bookingIds.length));
    return accountingInvariants(await settledAccounting(cluster, bookingIds));
  });
}

/** One answer the APIs gave while PostgreSQL was down. */
interface OutageAnswer {
  what: string;
  status: number;
  code?: string;
  requestId?: string;
  ms: number;
}

/** PostgreSQL stopped under load: 503s with the error shape while down, then every booking and webhook accounted for. */
export async function runClusterPostgresOutage(cluster: TestCluster, scale: ChaosScale): Promise<ScenarioReport> {
  return timedScenario(`PostgreSQL stopped ${scale.outageSeconds} s`, async (report) => {
    // Their releases fall due during the outage (held within a few seconds, released 11 s after creation).
    const first = await createBookings(cluster, scale.bookings, CREATING_API, 10_000);
    await waitForHolds(cluster, first, ['held', 'released'], CREATING_API, holdsTimeoutMs(first.length));
    // A real event, sent again during the outage as Stripe would retry it.
    const [event] = await cluster.stripe.events.list({ limit: 1 }).autoPagingToArray({ limit: 1 });
    const webhookTarget = { apiUrl: cluster.apis[WEBHOOK_API].url, webhookSecret: cluster.secrets.stripeWebhookSecret };

    await cluster.postgres.stop();
    const stoppedAt = Date.now();
    const refused: OutageAnswer[] = [];
    const refusedBookings: ReturnType<typeof shortBooking>[] = [];
    while (Date.now() - stoppedAt < scale.outageSeconds * 1_000) {
      const booking = shortBooking();
      let started = Date.now();
      const created = await cluster.api(CREATING_API, 'POST', '/v1/bookings', booking);
      refused.push({ what: 'create', status: created.status, ...created.body.error, ms: Date.now() - started });
      if (created.status !== 201) refusedBookings.push(booking);
      started = Date.now();
      const webhook = await postWebhook(webhookTarget, JSON.stringify(event));
      refused.push({ what: 'webhook', status: webhook.status, ...webhook.body.error, ms: Date.now() - started });
      // Paces the load over the outage (a create and a webhook every 2 s); nothing waits on a condition here.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    await cluster.postgres.restart();

    report.tried['bookings before the outage'] = first.length;
    report.tried['requests while down'] = refused.length;
    report.counted['answered 503 with code and requestId'] = refused.filter(
      (answer) => answer.status === 503 && answer.code && answer.requestId,
    ).length;
    report.counted['slowest answer while down (ms)'] = Math.max(...refused.map((answer) => answer.ms));
    if (refused.length < Math.floor(scale.outageSeconds / 3))
      report.failures.push(`only ${refused.length} requests during ${scale.outageSeconds} s`);
    for (const answer of refused.filter(
      (candidate) => candidate.status !== 503 || !candidate.code || !candidate.requestId,
    ))
      report.failures.push(`while down, a ${answer.what} answered ${answer.status} ${answer.code ?? 'without a code'}`);
    // Sent again after the outage, every refused booking is accepted; all end released.
    const retried = await Promise.all(
      refusedBookings.map((booking) => createRetrying(cluster, CREATING_API, { booking, anyRefusal: true })),
    );
    report.counted['refused bookings accepted when sent again'] = retried.length;
    const bookingIds = [...first, ...retried];
    await waitForHolds(
      cluster,
      bookingIds,
      ['released'],
      CREATING_API,
      Math.max(120_000, holdsTimeoutMs(bookingIds.length)),
    );
    return accountingInvariants(await settledAccounting(cluster, bookingIds));
  });
}

/** The cluster scenarios, in the order they run, by the name `npm run chaos -- --target cluster <name>` selects. */
export const clusterScenarios: ClusterScenario[] = [
  { name: 'shared-inbox', run: runSharedInbox },
  { name: 'worker-kill', run: runClusterWorkerKill },
  { name: 'api-kill', run: runClusterApiKill },
  { name: 'history-kill', run: runHistoryKill },
  { name: 'postgres-outage', run: runClusterPostgresOutage },
];
