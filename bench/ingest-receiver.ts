/**
 * A quick loop on the webhook receiver alone, for profiling it (`node --cpu-prof`): embedded
 * PostgreSQL (migrated), the API app served with no relay and a Temporal client that never
 * connects (the webhook route does not call Temporal), and the ingest floor beside it; the bench's
 * load generator sends bursts to each in turn and prints their rates. Usage:
 *
 *   npx tsx bench/ingest-receiver.ts [events per burst, 3000] [senders, 32] [rounds, 3]
 */
import { serve } from '@hono/node-server';
import { Client } from '@temporalio/client';
import { createApp } from '../api/create-app.js';
import { loadApiConfig } from '../config/env.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { getFreePort } from '../harness/free-port.js';
import { startTestPostgres } from '../harness/postgres.js';
import { startIngestFloor } from './ingest-floor.js';
import { cpuSince, cpuSnapshot } from './process-cpu.js';
import { sendSignedEvents, type IngestRate } from './webhook-ingest.js';

const WEBHOOK_SECRET = 'whsec_ingest_receiver_probe';

/** CPU seconds of this process, of PostgreSQL and of everything else while `burst` ran. */
async function withCpu(burst: () => Promise<IngestRate>): Promise<{ rate: IngestRate; cpu: string }> {
  const before = cpuSnapshot();
  const rate = await burst();
  const shares = cpuSince(before, (pid, comm) =>
    pid === process.pid ? 'node' : comm === 'postgres' ? 'postgres' : 'other',
  );
  return { rate, cpu: shares.map((share) => `${share.label} ${share.seconds.toFixed(1)} s`).join(', ') };
}

function describe(name: string, { rate, cpu }: { rate: IngestRate; cpu: string }): string {
  const { p50, p99 } = rate.latency;
  return `${name}: ${rate.acceptedPerSecond.toFixed(0)}/s p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms rejected ${rate.rejected} (CPU ${cpu})`;
}

async function main(): Promise<void> {
  const [events = 3000, concurrency = 32, rounds = 3] = process.argv.slice(2).map(Number);
  const postgres = await startTestPostgres();
  try {
    await migrate(postgres.url);
    const db = createPool(postgres.url);
    const port = await getFreePort();
    const config = loadApiConfig({
      DATABASE_URL: postgres.url,
      PORT: String(port),
      API_TOKEN: 'ingest-receiver-probe',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_SECRET_KEY: 'sk_test_ingest_receiver_probe',
      TEMPORAL_ADDRESS: '127.0.0.1:1',
    });
    // A lazy connection: the webhook route never reaches Temporal, so this one is never dialled.
    const app = createApp({ temporal: new Client(), db, config });
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
    const floor = await startIngestFloor({ databaseUrl: postgres.url, webhookSecret: WEBHOOK_SECRET });
    const burst = { events, concurrency, bookingIds: Array.from({ length: 100 }, (_, i) => `probe-${i}`) };
    for (let round = 1; round <= rounds; round += 1) {
      const floorRun = await withCpu(async () => (await sendSignedEvents(floor.url, WEBHOOK_SECRET, burst)).rate);
      const apiRun = await withCpu(
        async () => (await sendSignedEvents(`http://127.0.0.1:${port}/v1/webhooks/stripe`, WEBHOOK_SECRET, burst)).rate,
      );
      const ratio = apiRun.rate.acceptedPerSecond / floorRun.rate.acceptedPerSecond;
      console.log(
        `round ${round}: ratio ${ratio.toFixed(2)}\n  ${describe('floor', floorRun)}\n  ${describe('API', apiRun)}`,
      );
    }
    await floor.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.end();
  } finally {
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
