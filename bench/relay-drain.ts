/**
 * A quick loop on the inbox relay alone, for finding where its time goes: the bench's own stack with
 * `bookings` sleeping bookings; for each relay setting, a burst of stray events is stored with the
 * stack's relay paused, then a relay with that setting (batch size, interval) drains it, and the
 * drain time, events/s and CPU by process are printed. With `running`, the relay runs while the
 * burst arrives, as in the bench, and its lag is printed instead. Usage:
 *
 *   npx tsx bench/relay-drain.ts [events, 3000] [bookings, 200] [batch sizes, 50,200] [paused|running]
 *
 * RELAY_OWN_POOL=1 gives the relay a connection pool apart from the API's.
 */
import { startInboxRelay } from '../inbox/inbox-relay.js';
import { loadApiConfig } from '../config/env.js';
import { createPool } from '../db/pool.js';
import { startedBenchTarget } from './bench-target.js';
import { summarizeLatencies } from './percentiles.js';
import { cpuSince, cpuSnapshot } from './process-cpu.js';
import { sendSignedEvents } from './webhook-ingest.js';
import { measureWorkerMemory } from './worker-memory.js';
import { waitFor } from '../harness/wait-for.js';

async function main(): Promise<void> {
  const [eventsArg = '3000', bookingsArg = '200', batchesArg = '50,200', mode = 'paused'] = process.argv.slice(2);
  const events = Number(eventsArg);
  const target = await startedBenchTarget();
  try {
    if ('unmeasured' in target.relay) throw new Error('the bench stack has no relay control');
    const relayControl = target.relay;
    const { bookingIds } = await measureWorkerMemory(target, { bookings: Number(bookingsArg), concurrency: 8 });
    console.log(`${bookingIds.length} sleeping bookings open`);
    for (const batch of batchesArg.split(',').map(Number)) {
      await relayControl.pause();
      const config = loadApiConfig({
        DATABASE_URL: target.databaseUrl,
        API_TOKEN: 'relay-drain-probe',
        STRIPE_SECRET_KEY: 'sk_test_relay_drain_probe',
        STRIPE_WEBHOOK_SECRET: target.webhookSecret,
        RELAY_INTERVAL_MS: '200',
        RELAY_BATCH_SIZE: String(batch),
      });
      // RELAY_OWN_POOL=1: the relay gets a pool of its own, so its passes take no connection from the receiver.
      const relayDb = process.env.RELAY_OWN_POOL === '1' ? createPool(target.databaseUrl) : target.db;
      const startRelay = () => startInboxRelay({ db: relayDb, temporal: target.client, config });
      const before = cpuSnapshot();
      const began = performance.now();
      const relay = mode === 'running' ? startRelay() : null;
      const burst = await sendSignedEvents(`${target.apiUrl}/v1/webhooks/stripe`, target.webhookSecret, {
        events,
        concurrency: 32,
        bookingIds,
      });
      const sent = performance.now();
      const drainRelay = relay ?? startRelay();
      // The relay under test is not the API's: nudge it as the receiver would have.
      drainRelay.nudge();
      await waitFor(
        async () => {
          const { rows } = await target.db.query<{ pending: string }>(
            `SELECT count(*) AS pending FROM stripe_events WHERE id = ANY($1) AND status = 'pending'`,
            [burst.acceptedIds],
          );
          return Number(rows[0].pending) === 0;
        },
        { timeoutMs: 600_000, intervalMs: 100, description: 'burst relayed' },
      );
      const drained = performance.now();
      await drainRelay.stop();
      if (relayDb !== target.db) await relayDb.end();
      const cpu = cpuSince(before, (pid, comm) => target.processLabels.get(pid) ?? comm);
      const { rows } = await target.db.query<{ lag_ms: number }>(
        `SELECT extract(epoch FROM (relayed_at - received_at)) * 1000 AS lag_ms FROM stripe_events WHERE id = ANY($1)`,
        [burst.acceptedIds],
      );
      const lag = summarizeLatencies(rows.map((row) => Number(row.lag_ms)));
      const drainSeconds = (drained - (mode === 'running' ? began : sent)) / 1000;
      console.log(
        `batch ${batch} ${mode}: ingest ${burst.rate.acceptedPerSecond.toFixed(0)}/s p99 ${burst.rate.latency.p99.toFixed(0)} ms; ` +
          `drained in ${drainSeconds.toFixed(1)} s (${(events / drainSeconds).toFixed(0)} events/s); lag p50 ${lag.p50.toFixed(0)} ms p99 ${lag.p99.toFixed(0)} ms\n  CPU ` +
          cpu
            .filter((share) => share.seconds >= 0.3)
            .map((share) => `${share.label} ${share.seconds.toFixed(1)}`)
            .join(', '),
      );
      relayControl.resume();
    }
  } finally {
    await target.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
