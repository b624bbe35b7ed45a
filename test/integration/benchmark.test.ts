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

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('npm run bench', () => {
  let dir = '';
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('measures every figure on a tiny run and writes BENCHMARKS.md with PNG charts', { timeout: 240_000 }, async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bench-'));
    const config = loadBenchConfig({
      BENCH_MAX_CONCURRENCY: '1',
      BENCH_MIN_BOOKINGS_PER_STEP: '2',
      BENCH_ROUNDS: '1',
      BENCH_SLEEPING_BOOKINGS: '3',
      BENCH_WEBHOOK_EVENTS: '20',
      BENCH_WEBHOOK_CONCURRENCY: '4',
      BENCH_3DS_BOOKINGS: '1',
      BENCH_OUTPUT: path.join(dir, 'BENCHMARKS.md'),
      BENCH_CHART_DIR: path.join(dir, 'charts'),
    });
    const results = await runBench(config, () => {});

    expect(results.steps.map((step) => [step.path, step.concurrency, step.bookings, step.failures])).toEqual([
      ['booking', 1, 2, 0],
      ['floor', 1, 2, 0],
    ]);
    expect(results.shapes.map((shape) => shape.path)).toEqual(['card', 'ach-microdeposits']);
    for (const shape of results.shapes) {
      expect(shape.historyEvents).toBeGreaterThanOrEqual(shape.minimum.historyEvents);
      expect(shape.stripeCallCount).toBeGreaterThanOrEqual(shape.minimum.stripeCalls);
    }
    expect(results.webhookToState.count).toBe(1);
    expect(results.memory.sleepingBookings).toBe(3);
    expect(results.ingest).toMatchObject({ events: 20, rejected: 0 });
    expect(results.ingest.relayLag.count).toBe(20);
    expect(results.ingestCpu.map((share) => share.label)).toContain('Temporal dev server');
    expect(renderTable(results)).toContain('held throughput / floor');

    const written = await writeReport(results, { command: 'npm run bench' });
    expect(written.map((file) => path.basename(file))).toEqual(['BENCHMARKS.md', 'throughput.png', 'latency.png', 'history.png']);
    const report = await readFile(written[0], 'utf8');
    for (const section of ['## Throughput', '## Latency', '## Webhook ingest', '## History events', '## Worker memory'])
      expect(report).toContain(section);
    expect(report).toContain('](charts/throughput.png)');
    expect(report).toContain('| Temporal dev server |');
    for (const chart of written.slice(1)) expect((await readFile(chart)).subarray(0, 4)).toEqual(PNG_SIGNATURE);
  });
});
