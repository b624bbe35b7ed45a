/**
 * Scenario: the Temporal dev server stopped under load for CHAOS_OUTAGE_SECONDS, then restarted on
 * its SQLite file. Creates during the outage are refused with 503 `temporal_unavailable` and
 * succeed when sent again; webhooks keep being stored in the Postgres inbox and are relayed once
 * Temporal is back; releases that fell due during the outage happen after it. Every booking ends
 * released, with one hold.
 */
import type { SystemUnderTest } from '../harness/system-under-test.js';
import { scrape, sumOf } from '../harness/prometheus-text.js';
import { checkInvariants } from './invariants.js';
import { driveLoadAcrossOutage } from './outage-load.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** Runs the scenario. */
export async function runTemporalOutage(system: SystemUnderTest, scale: ChaosScale): Promise<ScenarioReport> {
  return timedScenario(
    `Temporal down for ${scale.outageSeconds} s under load, restarted on its data`,
    async (report) => {
      const relayRetriesBefore = await relayRetries(system);
      const run = await driveLoadAcrossOutage(system, scale, report, {
        part: 'Temporal',
        stop: () => system.temporal.stop(),
        restart: () => system.temporal.restart(),
        refusalCode: 'temporal_unavailable',
      });
      if (!(report.counted['creates refused during the outage'] > 0))
        report.failures.push('no create was refused during the outage');

      const events = await system.db.query<{ received_at: Date; relayed_at: Date | null }>(
        'SELECT received_at, relayed_at FROM stripe_events WHERE booking_id = ANY($1)',
        [run.bookingIds],
      );
      // A signal the relay sent while Temporal was down can be taken as the server comes back, a moment
      // before the restart is seen to be complete: relayed once the restart was asked for is "after".
      const late = events.rows.filter(
        (event) =>
          event.received_at >= run.stoppedAt &&
          event.received_at < run.restartRequestedAt &&
          event.relayed_at !== null &&
          event.relayed_at >= run.restartRequestedAt,
      );
      report.counted['webhooks stored during the outage, relayed after it'] = late.length;
      report.counted['relay attempts deferred'] = (await relayRetries(system)) - relayRetriesBefore;
      report.counted['max relay lag (ms)'] = Math.max(
        0,
        ...events.rows.map((event) =>
          event.relayed_at ? event.relayed_at.getTime() - event.received_at.getTime() : 0,
        ),
      );
      if (late.length === 0) report.failures.push('no webhook arrived during the outage to be relayed after it');
      return checkInvariants(system, run.bookingIds, { settleMs: 60_000 });
    },
  );
}

/** How many relay attempts the API deferred so far (a signal Temporal did not take). */
async function relayRetries(system: SystemUnderTest): Promise<number> {
  return sumOf(await scrape(`${system.apiUrl}/metrics`), 'bookings_inbox_relay_outcomes_total', { outcome: 'retried' });
}
