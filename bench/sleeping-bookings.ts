/**
 * `npm run bench:sleeping`: the worker's resident memory as open, sleeping bookings pile up on one
 * worker, up to BENCH_SLEEPING_BOOKINGS (10,000 unless set), read after every tenth of them. It
 * runs apart from `npm run bench` because opening 10,000 real bookings (each a Stripe hold) takes
 * most of an hour here. Writes docs/bench/sleeping-bookings.md (BENCH_SLEEPING_OUTPUT) and its chart.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { startedBenchTarget } from './bench-target.js';
import { lineChart, svgToPng } from './svg-chart.js';
import { defaultMaxCachedWorkflows, measureWorkerMemory } from './worker-memory.js';

const settings = z
  .object({
    BENCH_SLEEPING_BOOKINGS: z.coerce.number().int().positive().default(10_000),
    BENCH_SLEEPING_CONCURRENCY: z.coerce.number().int().positive().default(16),
    BENCH_SLEEPING_OUTPUT: z.string().min(1).default('docs/bench/sleeping-bookings.md'),
  })
  .parse(
    Object.fromEntries(
      Object.entries(process.env).filter(([key, value]) => key.startsWith('BENCH_SLEEPING') && value !== ''),
    ),
  );

/** One reading: how many bookings sleep on the worker, and its resident memory then. */
interface Reading {
  bookings: number;
  rssBytes: number;
  elapsedSeconds: number;
}

const MIB = 1024 * 1024;

Runtime.install({ logger: new DefaultLogger('WARN') });
const startedAt = new Date();
const loadAverageBefore = os.loadavg();
const target = await startedBenchTarget();
const stopOnSignal = () => void target.stop().finally(() => process.exit(130));
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);
const readings: Reading[] = [];
try {
  const step = Math.max(1, Math.ceil(settings.BENCH_SLEEPING_BOOKINGS / 10));
  const began = performance.now();
  let open = 0;
  while (open < settings.BENCH_SLEEPING_BOOKINGS) {
    const batch = Math.min(step, settings.BENCH_SLEEPING_BOOKINGS - open);
    const result = await measureWorkerMemory(target, {
      bookings: batch,
      concurrency: settings.BENCH_SLEEPING_CONCURRENCY,
    });
    if (result.rssBeforeBytes === null || result.rssAfterBytes === null)
      throw new Error(`worker memory not readable: ${result.unmeasuredReason}`);
    if (readings.length === 0) readings.push({ bookings: 0, rssBytes: result.rssBeforeBytes, elapsedSeconds: 0 });
    open += result.sleepingBookings;
    readings.push({
      bookings: open,
      rssBytes: result.rssAfterBytes,
      elapsedSeconds: (performance.now() - began) / 1000,
    });
    console.log(
      `[bench] ${open} sleeping bookings: worker RSS ${(result.rssAfterBytes / MIB).toFixed(0)} MiB after ${((performance.now() - began) / 1000).toFixed(0)} s`,
    );
  }
} finally {
  process.off('SIGINT', stopOnSignal);
  process.off('SIGTERM', stopOnSignal);
  await target.stop();
}

const cacheSize = defaultMaxCachedWorkflows();
const first = readings[0];
const last = readings[readings.length - 1];
const chartFile = path.join(path.dirname(settings.BENCH_SLEEPING_OUTPUT), 'sleeping-bookings.png');
await mkdir(path.dirname(settings.BENCH_SLEEPING_OUTPUT), { recursive: true });
await writeFile(
  chartFile,
  svgToPng(
    lineChart({
      title: 'Worker memory with sleeping bookings',
      xLabel: 'open, sleeping bookings on one worker',
      yLabel: 'worker RSS (MiB)',
      series: [{ name: 'worker RSS', points: readings.map((reading) => [reading.bookings, reading.rssBytes / MIB]) }],
    }),
  ),
);
// The first tenth is the baseline: the reading before any booking still carries the worker's start-up garbage.
const baseline = readings[1] ?? first;
const cachedReading = readings.filter((reading) => reading.bookings <= cacheSize).at(-1) ?? baseline;
const perCached =
  cachedReading.bookings > baseline.bookings
    ? (cachedReading.rssBytes - baseline.rssBytes) / (cachedReading.bookings - baseline.bookings)
    : 0;
const beyondCache = readings.filter((reading) => reading.bookings > cacheSize);
const perEvicted =
  beyondCache.length >= 2
    ? (last.rssBytes - beyondCache[0].rssBytes) / (last.bookings - beyondCache[0].bookings)
    : null;
const lines = [
  '# Worker memory with sleeping bookings',
  '',
  `Made by \`${settings.BENCH_SLEEPING_BOOKINGS === 10_000 ? '' : `BENCH_SLEEPING_BOOKINGS=${settings.BENCH_SLEEPING_BOOKINGS} `}npm run bench:sleeping\` on ${startedAt.toISOString()}, ` +
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}, Node ${process.version}; load average at the start ${loadAverageBefore.map((n) => n.toFixed(2)).join(', ')}, ` +
    `at the end ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(', ')}.`,
  '',
  `Card bookings are opened through \`POST /v1/bookings\`, ${settings.BENCH_SLEEPING_CONCURRENCY} at a time, each held on Stripe (the emulator) and then ` +
    "asleep until a release deadline a month away; the one worker process (`worker/main.ts`, default settings) keeps them all. The worker's " +
    'resident memory (VmRSS) is read, once it settles, after every tenth of them.',
  '',
  `![sleeping bookings](${path.basename(chartFile)})`,
  '',
  '| sleeping bookings | worker RSS | minutes since the first |',
  '|---:|---:|---:|',
  ...readings.map(
    (reading) =>
      `| ${reading.bookings} | ${(reading.rssBytes / MIB).toFixed(0)} MiB | ${(reading.elapsedSeconds / 60).toFixed(1)} |`,
  ),
  '',
  `With **${last.bookings} sleeping bookings** the worker used **${(last.rssBytes / MIB).toFixed(0)} MiB** (${(baseline.rssBytes / MIB).toFixed(0)} MiB with ` +
    `${baseline.bookings}; the reading with none still carries the worker's start-up garbage). The SDK keeps at most ${cacheSize} workflows in its cache ` +
    `by default on this heap limit (the worker sets no \`maxCachedWorkflows\`): from ${baseline.bookings} to ${cachedReading.bookings} bookings, all cached, each ` +
    `added about ${(perCached / 1024).toFixed(0)} KiB. Beyond the cache a sleeping booking is evicted until its timer or a signal brings it back ` +
    '(replayed from history, one workflow task)' +
    (perEvicted === null
      ? '. '
      : `: from ${beyondCache[0].bookings} to ${last.bookings} bookings each added about ${(perEvicted / 1024).toFixed(0)} KiB (what the worker keeps of ` +
        'an evicted run, and heap it does not give back). ') +
    "The worker's memory is therefore bounded by its cache size, not by how many bookings sleep; a smaller `maxCachedWorkflows` trades memory for replays.",
  '',
];
await writeFile(settings.BENCH_SLEEPING_OUTPUT, `${lines.join('\n')}\n`);
console.log(`[bench] wrote ${settings.BENCH_SLEEPING_OUTPUT}, ${chartFile}`);
