/**
 * `npm run bench` at the smallest scale: every phase runs on a real stack and the report and its
 * charts are written. Nothing here is timed: speed is what the benchmark reports, not what CI checks.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBenchConfig } from '../../bench/bench-config.js';
import { renderTable, writeReport } from '../../bench/report.js';
import { runBench } from '../../bench/run-bench.js';
import { startBenchStack, type BenchStack } from '../../bench/stack.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
/** The smallest run that still measures every figure. */
const TINY_SCALE = {
  BENCH_MAX_CONCURRENCY: '1',
  BENCH_MIN_BOOKINGS_PER_STEP: '2',
  BENCH_ROUNDS: '1',
  BENCH_SLEEPING_BOOKINGS: '3',
  BENCH_WEBHOOK_EVENTS: '20',
  BENCH_WEBHOOK_CONCURRENCY: '4',
  BENCH_3DS_BOOKINGS: '1',
};

describe('npm run bench', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures every figure on a tiny run and writes BENCHMARKS.md with PNG charts', { timeout: 240_000 }, async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-'));
    const config = loadBenchConfig({
      ...TINY_SCALE,
      BENCH_OUTPUT: path.join(dir, 'BENCHMARKS.md'),
      BENCH_CHART_DIR: path.join(dir, 'charts'),
    });
    const results = await runBench(config, () => {});

    expect(results.stack).toEqual({ kind: 'started' });
    expect(results.steps.map((step) => [step.path, step.concurrency, step.bookings, step.failures])).toEqual([
      ['booking', 1, 2, 0],
      ['floor', 1, 2, 0],
    ]);
    expect(results.shapes.map((shape) => shape.path)).toEqual(['card', 'ach-microdeposits']);
    for (const shape of results.shapes) {
      expect(shape.historyEvents).toBeGreaterThanOrEqual(shape.minimum.historyEvents);
      expect(shape.stripeCallCount).toBeGreaterThanOrEqual(shape.minimum.stripeCalls);
      // Actions: at least the start, one activity attempt per activity and one per signal and timer.
      expect(shape.apiCallsMeasured).toBe(true);
      expect(shape.actionCount).toBeGreaterThanOrEqual(
        1 + Object.values(shape.activities).reduce((sum, n) => sum + n, 0) + shape.signals + shape.timers,
      );
      expect(shape.actionsPerView).toBe(1);
      expect(shape.actionsPerStatusRead).toBe(0);
      expect(shape.historyBytes).toBeGreaterThan(1_000);
      expect(shape.storage.inboxRows).toBe(shape.webhookTypes.length);
      expect(shape.storage.notificationRows).toBeGreaterThanOrEqual(2);
    }
    // Creating a booking and sending the microdeposit code cost no query: the API answers from the start and the update.
    expect(results.shapes.map((shape) => shape.actions['queries (API)'] ?? 0)).toEqual([0, 0]);
    expect(results.webhookToState.count).toBe(1);
    expect(results.memory.sleepingBookings).toBe(3);
    expect(results.ingest).toMatchObject({ events: 20, rejected: 0 });
    expect(results.ingest.relayLag.count).toBe(20);
    // The floor and the API with its relay paused took the same burst; the paused one was relayed once resumed.
    expect(results.ingestFloor).toMatchObject({ events: 20, rejected: 0 });
    expect(results.ingestRelayPaused).toMatchObject({ events: 20, rejected: 0 });
    expect(renderTable(results)).toContain('webhook ingest / floor');
    expect(results.ingestCpu.length).toBeGreaterThan(0);
    // The burst's events are about PaymentIntents their bookings neither learned nor are creating: none is signalled.
    expect(results.ingest.outcomes).toEqual({ handled: 20 });
    expect(renderTable(results)).toContain('held throughput / floor');
    expect(renderTable(results)).toContain('Temporal Cloud actions: card / ACH microdeposits');

    const written = await writeReport(results, { command: 'npm run bench' });
    expect(written.map((file) => path.basename(file))).toEqual([
      'BENCHMARKS.md',
      'throughput.png',
      'latency.png',
      'history.png',
    ]);
    const report = await readFile(written[0], 'utf8');
    for (const section of ['## Throughput', '## Latency', '## Webhook ingest', '## History events', '## Worker memory'])
      expect(report).toContain(section);
    expect(report).toContain('Stack: **started by the bench**');
    expect(report).toContain('](charts/throughput.png)');
    expect(report).toContain('| Temporal dev server |');
    for (const chart of written.slice(1)) expect((await readFile(chart)).subarray(0, 4)).toEqual(PNG_SIGNATURE);
  });
});

describe('npm run bench with BENCH_API_URL', () => {
  let stack: BenchStack | undefined;
  let dir = '';
  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    'drives the running stack instead of starting one, and the report says it was reused',
    { timeout: 300_000 },
    async () => {
      // A stack as `npm start` runs it: API, worker process, emulator, Temporal and PostgreSQL, up before the bench.
      stack = await startBenchStack();
      const { system } = stack;
      dir = await mkdtemp(path.join(tmpdir(), 'bench-reuse-'));
      const config = loadBenchConfig(
        {
          ...TINY_SCALE,
          BENCH_OUTPUT: path.join(dir, 'BENCHMARKS.md'),
          BENCH_CHART_DIR: path.join(dir, 'charts'),
          BENCH_API_URL: system.apiUrl,
          BENCH_API_TOKEN: system.apiToken,
          BENCH_TEMPORAL_ADDRESS: system.temporal.address,
          BENCH_DATABASE_URL: system.databaseUrl,
          BENCH_STRIPE_API_URL: system.emulatorUrl,
          BENCH_STRIPE_WEBHOOK_SECRET: system.webhookSecret,
          BENCH_PAYLOAD_CODEC_KEYS: system.payloadCodecKeys,
          BENCH_WORKER_HEALTH_ADDRESS: stack.workerHealthAddress,
        },
        path.join(dir, 'no-dev-settings.json'),
      );
      const results = await runBench(config, () => {});

      expect(results.stack).toEqual({ kind: 'reused', apiUrl: system.apiUrl });
      // Read back from a probe booking: the stack's HOLD_RELEASE_GRACE_SECONDS.
      expect(results.releaseGraceSeconds).toBe(1);
      expect(results.steps.map((step) => [step.path, step.bookings, step.failures])).toEqual([
        ['booking', 2, 0],
        ['floor', 2, 0],
      ]);
      expect(results.shapes.every((shape) => shape.stripeCallCount >= shape.minimum.stripeCalls)).toBe(true);
      expect(results.webhookToState.count).toBe(1);
      expect(results.memory.sleepingBookings).toBe(3);
      expect(results.memory.rssAfterBytes).toBeGreaterThan(0);
      expect(results.ingest).toMatchObject({ events: 20, rejected: 0 });
      expect(results.ingestFloor).toMatchObject({ events: 20, rejected: 0 });
      // The relay of a stack the bench did not start cannot be paused from the bench.
      expect(results.ingestRelayPaused).toHaveProperty('unmeasured');
      expect(results.ingestCpu.length).toBeGreaterThan(0);
      expect(results.ingest.outcomes).toEqual({ handled: 20 });

      const [reportFile] = await writeReport(results, { command: `BENCH_API_URL=${system.apiUrl} npm run bench` });
      const report = await readFile(reportFile, 'utf8');
      expect(report).toContain(`Stack: **reused at ${system.apiUrl}**`);
      expect(report).not.toContain(system.apiToken);
      expect(report).not.toContain(system.payloadCodecKeys);
      // The bench cancelled the sleeping bookings it opened on the stack it does not own.
      const { rows } = await system.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM notifications WHERE booking_id LIKE 'bench-sleep-%' AND type = 'hold.released'`,
      );
      expect(Number(rows[0].n)).toBe(3);
    },
  );
});
