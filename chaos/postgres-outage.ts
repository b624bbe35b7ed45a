/**
 * Scenario: PostgreSQL stopped under load for CHAOS_OUTAGE_SECONDS, then started again on the same
 * data directory and port. Creates are refused with 503 `database_unavailable` before anything is
 * started (the API reads the customer's saved payment methods first) and succeed when sent again;
 * webhooks are refused with 503 and the emulator retries them until the inbox takes them; relay
 * passes fail and back off; the notification activities of releases due during the outage retry
 * until they can record. Every booking ends released, with one hold. Skipped on TEST_DATABASE_URL,
 * whose server the tests do not own.
 */
import type { SystemUnderTest } from '../harness/system-under-test.js';
import { scrape, sumOf } from '../harness/prometheus-text.js';
import { bookingWorkflowId } from '../workflows/booking/contract.js';
import { bookingIdOf, checkInvariants, listEmulatorEvents } from './invariants.js';
import { driveLoadAcrossOutage } from './outage-load.js';
import { skippedScenario, timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

interface Delivery {
  eventId: string;
  state: string;
  attempts: Array<{ status: number | null; at: string }>;
}

/** Runs the scenario, or skips it when the system's PostgreSQL is not its own embedded server. */
export async function runPostgresOutage(system: SystemUnderTest, scale: ChaosScale): Promise<ScenarioReport> {
  const name = `PostgreSQL down for ${scale.outageSeconds} s under load, restarted on its data`;
  const postgres = system.postgres;
  if (!postgres) return skippedScenario(name, "TEST_DATABASE_URL is set: that server is not the tests' own to stop");
  return timedScenario(name, async (report) => {
    const passFailuresBefore = await relayPassFailures(system);
    const deliveriesBefore = (await deliveries(system)).length;
    const retrying = new Set<string>();
    const run = await driveLoadAcrossOutage(system, scale, report, {
      part: 'PostgreSQL',
      stop: () => postgres.stop(),
      restart: () => postgres.restart(),
      refusalCode: 'database_unavailable',
      // Activities of the releases that fall due meanwhile retry; each seen on a later attempt is counted.
      whileDown: async ({ releasing, until }) => {
        while (Date.now() < until - 500) {
          for (const bookingId of releasing) {
            const description = await system.client.workflow.getHandle(bookingWorkflowId(bookingId)).describe();
            for (const activity of description.raw.pendingActivities ?? []) {
              if ((activity.attempt ?? 1) > 1) retrying.add(`${bookingId}/${activity.activityId}`);
            }
          }
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      },
    });
    if (!(report.counted['creates refused during the outage'] > 0))
      report.failures.push('no create was refused during the outage');
    report.counted['activities seen retrying during the outage'] = retrying.size;
    if (retrying.size === 0) report.failures.push('no activity was seen retrying during the outage');

    const bookings = new Set(run.bookingIds);
    const ours = new Set(
      (await listEmulatorEvents(system))
        .filter((event) => bookings.has(bookingIdOf(event) ?? ''))
        .map((event) => event.id),
    );
    const delivered = (await deliveries(system))
      .slice(deliveriesBefore)
      .filter((delivery) => ours.has(delivery.eventId));
    const failedAttempts = (delivery: Delivery) =>
      delivery.attempts.filter((attempt) => attempt.status === null || attempt.status >= 300).length;
    const retried = delivered.filter((delivery) => failedAttempts(delivery) > 0);
    report.counted['webhook deliveries failed, then retried'] = retried.length;
    report.counted['failed webhook delivery attempts'] = retried.reduce(
      (sum, delivery) => sum + failedAttempts(delivery),
      0,
    );
    report.counted['webhook deliveries given up'] = delivered.filter((delivery) => delivery.state === 'failed').length;
    report.counted['relay pass failures'] = (await relayPassFailures(system)) - passFailuresBefore;
    if (retried.length === 0) report.failures.push('no webhook delivery failed during the outage');
    if (report.counted['webhook deliveries given up'] > 0)
      report.failures.push('the emulator gave up on webhooks: its retries did not outlive the outage');
    return checkInvariants(system, run.bookingIds, { settleMs: 60_000 });
  });
}

async function deliveries(system: SystemUnderTest): Promise<Delivery[]> {
  return (await system.emulatorControl<{ data: Delivery[] }>('GET', '/_emulator/webhooks/deliveries')).data;
}

/** Relay passes that failed as a whole so far (the database did not answer). */
async function relayPassFailures(system: SystemUnderTest): Promise<number> {
  return sumOf(await scrape(`${system.apiUrl}/metrics`), 'bookings_inbox_relay_pass_failures_total');
}
