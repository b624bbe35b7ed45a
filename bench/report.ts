/** The benchmark's report: a console table and BENCHMARKS.md with its charts (PNG, rendered from SVG). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { maskPassword } from '../dev/embedded-postgres.js';
import type { StepResult } from './booking-traffic.js';
import type { LatencySummary } from './percentiles.js';
import { NOTIFICATION_POLL_MS } from './notification-milestones.js';
import type { BenchResults } from './run-bench.js';
import type { IngestRate, IngestResult } from './webhook-ingest.js';
import { barChart, lineChart, svgToPng } from './svg-chart.js';
import { DOLLARS_PER_MILLION_ACTIONS } from './billable-actions.js';
import type { PathShape } from './history-shape.js';

/** Targets from issues 6 and 16. */
export const TARGETS = {
  floorRatio: 0.9,
  ingestPerSecond: 1_000,
  ingestP99Ms: 50,
  ingestFloorRatio: 0.5,
  relayLagP99Ms: 1_000,
} as const;

/** A receiver's rate against the ingest floor's in the same run. */
export function ingestFloorRatio(results: Pick<BenchResults, 'ingestFloor'>, rateOf: IngestRate): number {
  return rateOf.acceptedPerSecond / (results.ingestFloor.acceptedPerSecond || 1);
}

/** `rate / p99 / ratio to the floor` of the API with its relay paused, or why it was not measured. */
function pausedIngestFigure(results: Pick<BenchResults, 'ingestFloor' | 'ingestRelayPaused'>): string {
  const paused = results.ingestRelayPaused;
  if ('unmeasured' in paused) return 'not measured';
  return `${rate(paused.acceptedPerSecond)} / ${ms(paused.latency.p99)} / ${ingestFloorRatio(results, paused).toFixed(2)}`;
}

/** Cost at Temporal Cloud's list price of the actions one booking of a path costs, per million bookings. */
function dollarsPerMillion(shape: PathShape): string {
  return `$${(shape.actionCount * DOLLARS_PER_MILLION_ACTIONS).toLocaleString('en-US')}`;
}

/** A path's actions, with a note when the API's queries could not be read. */
function actionFigure(shape: PathShape): string {
  return shape.apiCallsMeasured ? String(shape.actionCount) : `${shape.actionCount}+ (API queries unread)`;
}

const ms = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
const rate = (value: number) => value.toFixed(1);
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function latencyRow(name: string, summary: LatencySummary): string {
  return `| ${name} | ${summary.count} | ${ms(summary.p50)} | ${ms(summary.p95)} | ${ms(summary.p99)} | ${ms(summary.max)} |`;
}

/** The step where bookings reached the most bookings held per second, with the floor's step at the same concurrency. */
export function peakSteps(results: BenchResults): { booking: StepResult; floor: StepResult; floorPeak: StepResult } {
  const bookings = results.steps.filter((step) => step.path === 'booking');
  const floors = results.steps.filter((step) => step.path === 'floor');
  const booking = bookings.reduce((best, step) => (step.heldPerSecond > best.heldPerSecond ? step : best));
  const floor = floors.find((step) => step.concurrency === booking.concurrency) ?? floors[0];
  const floorPeak = floors.reduce((best, step) => (step.heldPerSecond > best.heldPerSecond ? step : best));
  return { booking, floor, floorPeak };
}

/** Ratios of our peak throughput to the floor's peak (held and released). */
export function floorRatios(results: BenchResults): { held: number; released: number } {
  const bookings = results.steps.filter((step) => step.path === 'booking');
  const floors = results.steps.filter((step) => step.path === 'floor');
  const max = (steps: StepResult[], pick: (step: StepResult) => number) => Math.max(0, ...steps.map(pick));
  return {
    held: max(bookings, (s) => s.heldPerSecond) / (max(floors, (s) => s.heldPerSecond) || 1),
    released: max(bookings, (s) => s.releasedPerSecond) / (max(floors, (s) => s.releasedPerSecond) || 1),
  };
}

function stepsTable(results: BenchResults): string[] {
  const lines = [
    '| concurrency | path | bookings | held/s | released/s | create p50 / p95 / p99 | create→held p50 / p95 / p99 | failures |',
    '|---:|---|---:|---:|---:|---|---|---:|',
  ];
  for (const step of results.steps) {
    lines.push(
      `| ${step.concurrency} | ${step.path} | ${step.bookings} | ${rate(step.heldPerSecond)} | ${rate(step.releasedPerSecond)} | ${ms(step.createLatency.p50)} / ${ms(step.createLatency.p95)} / ${ms(step.createLatency.p99)} | ${ms(step.createToHeld.p50)} / ${ms(step.createToHeld.p95)} / ${ms(step.createToHeld.p99)} | ${step.failures} |`,
    );
  }
  return lines;
}

/** The summary table printed at the end of a run. */
export function renderTable(results: BenchResults): string {
  const { booking } = peakSteps(results);
  const ratios = floorRatios(results);
  const [card, ach] = results.shapes;
  const rows: Array<[string, string, string]> = [
    ['bookings held/s (peak)', `${rate(booking.heldPerSecond)} at concurrency ${booking.concurrency}`, ''],
    [
      'bookings released/s (peak)',
      rate(Math.max(...results.steps.filter((s) => s.path === 'booking').map((s) => s.releasedPerSecond))),
      '',
    ],
    ['held throughput / floor', ratios.held.toFixed(2), `≥ ${TARGETS.floorRatio}`],
    ['released throughput / floor', ratios.released.toFixed(2), `≥ ${TARGETS.floorRatio}`],
    [
      'POST /v1/bookings p50/p95/p99',
      `${ms(booking.createLatency.p50)} / ${ms(booking.createLatency.p95)} / ${ms(booking.createLatency.p99)}`,
      '',
    ],
    [
      'create→held p50/p95/p99',
      `${ms(booking.createToHeld.p50)} / ${ms(booking.createToHeld.p95)} / ${ms(booking.createToHeld.p99)}`,
      '',
    ],
    [
      'webhook→state p50/p95/p99',
      `${ms(results.webhookToState.p50)} / ${ms(results.webhookToState.p95)} / ${ms(results.webhookToState.p99)}`,
      '',
    ],
    [
      'webhook ingest floor events/s / p99',
      `${rate(results.ingestFloor.acceptedPerSecond)} / ${ms(results.ingestFloor.latency.p99)}`,
      '',
    ],
    [
      'webhook ingest, relay paused: /s, p99, / floor',
      pausedIngestFigure(results),
      `≥ ${TARGETS.ingestFloorRatio} × floor`,
    ],
    ['webhook ingest events/s', rate(results.ingest.acceptedPerSecond), `≥ ${TARGETS.ingestPerSecond}`],
    ['webhook ingest p99', ms(results.ingest.latency.p99), `< ${TARGETS.ingestP99Ms} ms`],
    ['webhook ingest / floor', ingestFloorRatio(results, results.ingest).toFixed(2), `≥ ${TARGETS.ingestFloorRatio}`],
    [
      'relay lag p50/p99',
      `${ms(results.ingest.relayLag.p50)} / ${ms(results.ingest.relayLag.p99)}`,
      `p99 < ${TARGETS.relayLagP99Ms} ms`,
    ],
    ...(results.ingest.relayLagOnceDue
      ? [
          [
            'relay lag once due p50/p99',
            `${ms(results.ingest.relayLagOnceDue.p50)} / ${ms(results.ingest.relayLagOnceDue.p99)}`,
            '',
          ] as [string, string, string],
        ]
      : []),
    [
      'history events: card / ACH microdeposits',
      `${card.historyEvents} / ${ach.historyEvents}`,
      `min ${card.minimum.historyEvents} / ${ach.minimum.historyEvents}`,
    ],
    ['Temporal Cloud actions: card / ACH microdeposits', `${actionFigure(card)} / ${actionFigure(ach)}`, ''],
    [
      'actions cost per million bookings',
      `${dollarsPerMillion(card)} / ${dollarsPerMillion(ach)} at $${DOLLARS_PER_MILLION_ACTIONS} per million actions`,
      '',
    ],
    [
      'actions per GET /v1/bookings/:id',
      card.actionsPerView === null ? 'not measured' : String(card.actionsPerView),
      '',
    ],
    [
      'actions per GET /v1/bookings/:id/status',
      card.actionsPerStatusRead === null ? 'not measured' : String(card.actionsPerStatusRead),
      '',
    ],
    ['history bytes: card / ACH microdeposits', `${kib(card.historyBytes)} / ${kib(ach.historyBytes)}`, ''],
    [
      'Postgres rows (bytes): card / ACH',
      `${card.storage.inboxRows + card.storage.notificationRows} (${kib(card.storage.inboxBytes + card.storage.notificationBytes)}) / ` +
        `${ach.storage.inboxRows + ach.storage.notificationRows} (${kib(ach.storage.inboxBytes + ach.storage.notificationBytes)})`,
      '',
    ],
    [
      'Stripe calls: card / ACH microdeposits',
      `${card.stripeCallCount} / ${ach.stripeCallCount}`,
      `min ${card.minimum.stripeCalls} / ${ach.minimum.stripeCalls}`,
    ],
    [
      'worker RSS per sleeping booking',
      results.memory.perBookingBytes === null
        ? `not measured (${results.memory.sleepingBookings} bookings; reused stack, worker process not found)`
        : `${kib(results.memory.perBookingBytes)} (${results.memory.sleepingBookings} bookings)`,
      '',
    ],
    ['stack', stackName(results), ''],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  return rows
    .map(([name, value, target]) => `${name.padEnd(width)}  ${value.padEnd(valueWidth)}  ${target}`)
    .join('\n');
}

/** Which stack the run drove, in a few words. */
export function stackName(results: BenchResults): string {
  const { stack } = results;
  if (stack.kind === 'started') return 'started by the bench';
  if (stack.kind === 'cluster') return `cluster (${stack.apis} APIs, ${stack.workers} workers) started by the bench`;
  return `reused at ${stack.apiUrl}`;
}

/** The settings of a run as the report prints them: a reused stack's addresses, never its secrets. */
function printableSettings(results: BenchResults): Record<string, unknown> {
  const { reuse, ...scale } = results.config;
  if (!reuse) return scale;
  return {
    ...scale,
    reuse: {
      apiUrl: reuse.apiUrl,
      temporalAddress: reuse.temporalAddress,
      temporalNamespace: reuse.temporalNamespace,
      databaseUrl: maskPassword(reuse.databaseUrl),
      stripeApiUrl: reuse.stripeApiUrl,
      workerHealthAddress: reuse.workerHealthAddress,
    },
    releaseGraceSecondsMeasured: results.releaseGraceSeconds,
  };
}

/** The paragraph that says what ran where. */
function stackParagraph(results: BenchResults): string {
  const { machine } = results;
  const load =
    `Load average (1, 5, 15 min) at the start ${machine.loadAverageBefore.map((n) => n.toFixed(2)).join(', ')}, at the end ${machine.loadAverageAfter.map((n) => n.toFixed(2)).join(', ')}: ` +
    `above ${machine.cores} means other work shared these cores during the run, and the figures are lower and noisier than this machine alone would give.`;
  if (results.stack.kind === 'started') {
    return (
      `Stack: **started by the bench**. Machine: ${machine.cores} × ${machine.cpus}, ${mib(machine.memoryBytes)} memory, ${machine.platform}, Node ${machine.node}. ` +
      'Everything ran on this one machine: the Temporal dev server (SQLite), embedded PostgreSQL, the Stripe emulator, the API and the load ' +
      "generator in one Node process, the booking worker in another, the floor's worker in a third. " +
      load
    );
  }
  if (results.stack.kind === 'cluster') {
    return (
      `Stack: **the production topology started by the bench** (\`BENCH_TARGETS=cluster\`, harness/cluster.ts). Machine: ${machine.cores} × ${machine.cpus}, ` +
      `${mib(machine.memoryBytes)} memory, ${machine.platform}, Node ${machine.node}. Everything ran on this one machine: Temporal's history, matching, ` +
      `frontend and internal-worker services as four processes on embedded PostgreSQL (which also holds the inbox), the Stripe emulator, ` +
      `${results.stack.apis} API processes (each with its relay on the one inbox) and ${results.stack.workers} worker processes, the load generator ` +
      "and the floor's worker. The bench drives the first API; `held` and `released` are read from the notifications table. " +
      load
    );
  }
  return (
    `Stack: **reused at ${results.stack.apiUrl}** (\`BENCH_API_URL\`): the bench drove a stack already running (such as \`npm start\`) ` +
    `with whatever settings it was started with, and started only the load generator and the floor's worker, on this machine: ` +
    `${machine.cores} × ${machine.cpus}, ${mib(machine.memoryBytes)} memory, ${machine.platform}, Node ${machine.node}. ` +
    `The API's release grace, read from a probe booking, was ${results.releaseGraceSeconds} s; bench bookings were dated so their holds are released ` +
    "about 2 s after creation all the same (stays that ended in the past when the grace is longer). The stack's callbacks are its own, so " +
    "`held` and `released` were read from the `notifications` table its worker records every notification in before sending it, each dated by the row's " +
    `\`created_at\` (polled every ${NOTIFICATION_POLL_MS} ms, which delays the next booking of a client by up to that, not the time measured). ` +
    'Other traffic on that stack during the run counts against these figures. ' +
    load
  );
}

/**
 * Writes BENCHMARKS.md and its charts; answers the files written. Each stack in `compared` (the
 * same run's other targets) gets its own full report beside the charts (`cluster.md`, with
 * `cluster-` charts), and BENCHMARKS.md a side-by-side table of the figures that differ by stack.
 */
export async function writeReport(
  results: BenchResults,
  options: { command: string; root?: string; compared?: BenchResults[] },
): Promise<string[]> {
  const root = options.root ?? process.cwd();
  const chartDir = path.resolve(root, results.config.BENCH_CHART_DIR);
  const reportFile = path.resolve(root, results.config.BENCH_OUTPUT);
  await mkdir(chartDir, { recursive: true });
  const written: string[] = [];
  const others: Array<{ results: BenchResults; link: string }> = [];
  for (const other of options.compared ?? []) {
    const otherFile = path.join(chartDir, `${other.stack.kind}.md`);
    written.push(...(await writeOneReport(other, otherFile, chartDir, `${other.stack.kind}-`, options.command, [])));
    others.push({ results: other, link: path.relative(path.dirname(reportFile), otherFile).split(path.sep).join('/') });
  }
  const sideBySide = others.length ? comparisonSection([{ results, link: null }, ...others]) : [];
  written.unshift(...(await writeOneReport(results, reportFile, chartDir, '', options.command, sideBySide)));
  return written;
}

async function writeOneReport(
  results: BenchResults,
  reportFile: string,
  chartDir: string,
  chartPrefix: string,
  command: string,
  sideBySide: string[],
): Promise<string[]> {
  const written: string[] = [];
  const chartLinks: Record<string, string> = {};
  for (const [name, svg] of Object.entries(renderCharts(results))) {
    const file = path.join(chartDir, `${chartPrefix}${name}.png`);
    await writeFile(file, svgToPng(svg));
    chartLinks[name] = path.relative(path.dirname(reportFile), file).split(path.sep).join('/');
    written.push(file);
  }
  await writeFile(reportFile, renderMarkdown(results, command, chartLinks, sideBySide));
  return [reportFile, ...written];
}

/** A stack's name in the side-by-side table. */
function columnName(results: BenchResults): string {
  return results.stack.kind === 'started' ? 'dev stack (started by the bench)' : stackName(results);
}

/**
 * What relaying fewer webhooks trades (inbox/learned-statuses.ts, inbox/stripe-event-routing.ts),
 * printed with the per-path tables that measure it.
 */
const RELAY_FILTER_TRADE = [
  '**Which webhooks become signals.** Every webhook is stored in the inbox; only one that can change the booking is signalled. ' +
    "A charge's own events (`charge.succeeded`, `charge.refunded`, …) and `payment_intent.created` are recorded as `handled` when " +
    "received (the PaymentIntent's own event carries the change; the workflow created the PaymentIntent). A `payment_intent.*` event " +
    "whose status equals the one the booking's activity last learned from Stripe's answer to its own call is recorded as `handled` " +
    'instead of signalled (`payment_intent_statuses`). The invariants hold: no webhook is lost (each is in the inbox, with why it was ' +
    'not signalled), one that changes the booking is signalled as before, and a call whose answer is lost records no status, so its ' +
    'webhook is signalled as it always was. The trade: when a worker dies after Stripe answered and before the activity completed, ' +
    "the workflow learns the answer from the activity's retry (Stripe replays it under the same idempotency key) after the activity's " +
    'timeout, where the webhook would have told it sooner. A webhook about a PaymentIntent the booking has not learned at all (Stripe ' +
    'often sends it before the answer to the call that made the PaymentIntent reaches the worker) waits `RELAY_UNLEARNED_GRACE_MS` ' +
    '(2 s) for that answer, which settles it as `handled`; a stray PaymentIntent or a lost answer is signalled 2 s later than before. ' +
    'A webhook about a PaymentIntent its booking never learned, while the booking creates none, is recorded as `handled` at once ' +
    '(`payment_intent_creations`): each worker records a create before sending it and marks it answered in the transaction that ' +
    'records its learned status, and the workflow keeps such an event only while creating a PaymentIntent, dropping it otherwise. A ' +
    "create without an answer (lost, or a decline) stays unanswered, so that booking's events are signalled as before; a booking with " +
    'no recorded create is never taken for creating none; and the relay does this only while every activity poller of the task queue ' +
    'says, in its identity, that it records its creates (DescribeTaskQueue): during a rolling deploy from a release that records none, ' +
    'the webhooks of a PaymentIntent an older worker is creating are signalled, not dropped. ' +
    "A webhook about a known PaymentIntent that beats its call's answer (a release, a confirmation) is still signalled: holding " +
    'those back would delay the 3-D Secure outcome the customer waits for. Measured on the dev stack: the card path went from 5 signals and 2 `readPaymentIntent` activities (7 actions, ' +
    '2 Stripe reads; bench run of 2026-12-03T14:57Z) to none; the ACH path from 11 signals and 5 reads (16 actions) to 1 ' +
    'signal and 1 read, `payment_intent.succeeded`, which only a webhook can bring (run of 2026-12-03T17:35Z).',
  '',
];

/** The figures that differ by stack, one column per stack of the run, and what limits each here. */
function comparisonSection(stacks: Array<{ results: BenchResults; link: string | null }>): string[] {
  const column = ({ results, link }: { results: BenchResults; link: string | null }) =>
    link ? `[${stackName(results)}](${link})` : columnName(results);
  const row = (name: string, pick: (results: BenchResults) => string) =>
    `| ${name} | ${stacks.map(({ results }) => pick(results)).join(' | ')} |`;
  const peak = (results: BenchResults) => peakSteps(results).booking;
  return [
    '## Dev stack and cluster side by side',
    '',
    'The same phases at the same settings, one stack after the other in this run; the figures of each are its own (its full report is linked).',
    '',
    `| figure | ${stacks.map(column).join(' | ')} |`,
    `|---|${stacks.map(() => '---:').join('|')}|`,
    row('bookings held/s (peak)', (r) => `${rate(peak(r).heldPerSecond)} at ${peak(r).concurrency}`),
    row('held throughput / floor', (r) => floorRatios(r).held.toFixed(2)),
    row('create→held p50 / p99', (r) => `${ms(peak(r).createToHeld.p50)} / ${ms(peak(r).createToHeld.p99)}`),
    row('webhook→state p50 / p99', (r) => `${ms(r.webhookToState.p50)} / ${ms(r.webhookToState.p99)}`),
    row(
      'webhook ingest floor events/s / p99',
      (r) => `${rate(r.ingestFloor.acceptedPerSecond)} / ${ms(r.ingestFloor.latency.p99)}`,
    ),
    row('webhook ingest, relay paused: /s, p99, / floor', pausedIngestFigure),
    row('webhook ingest events/s', (r) => rate(r.ingest.acceptedPerSecond)),
    row('webhook ingest p99', (r) => ms(r.ingest.latency.p99)),
    row('webhook ingest / floor', (r) => ingestFloorRatio(r, r.ingest).toFixed(2)),
    row('relay lag p50 / p99', (r) => `${ms(r.ingest.relayLag.p50)} / ${ms(r.ingest.relayLag.p99)}`),
    row('relay lag once due p50 / p99', (r) =>
      r.ingest.relayLagOnceDue
        ? `${ms(r.ingest.relayLagOnceDue.p50)} / ${ms(r.ingest.relayLagOnceDue.p99)}`
        : 'not measured',
    ),
    row('worker RSS per sleeping booking', (r) =>
      r.memory.perBookingBytes === null ? 'not measured' : kib(r.memory.perBookingBytes),
    ),
    row('Temporal Cloud actions: card / ACH', (r) => `${r.shapes[0].actionCount} / ${r.shapes[1].actionCount}`),
    row('history events: card / ACH', (r) => `${r.shapes[0].historyEvents} / ${r.shapes[1].historyEvents}`),
    '',
    'CPU seconds while the webhook burst was received and relayed, by process:',
    '',
    ...stacks.map(
      ({ results }) =>
        `- ${columnName(results)}: ${results.ingestCpu.map((share) => `${share.label} ${share.seconds.toFixed(1)}`).join(', ')}` +
        ` (${results.ingestCpuWallSeconds.toFixed(1)} s of wall time).`,
    ),
    '',
    'What limits each on these 2 cores: every process of a stack shares them with the load generator and with ' +
      'anything else the machine runs ("other processes" above; the load averages are in each report). The dev server ' +
      'keeps Temporal in one process on SQLite; the cluster splits it into four processes that talk gRPC, makes every ' +
      'history write a PostgreSQL transaction, and runs two APIs and two workers. On one machine neither gets cores of ' +
      'its own: the cluster is the shape that grows, by giving each service its own hosts and PostgreSQL its own disk.',
    '',
  ];
}

function renderCharts(results: BenchResults): Record<string, string> {
  const series = (pathName: StepResult['path'], pick: (step: StepResult) => number): Array<[number, number]> =>
    results.steps.filter((step) => step.path === pathName).map((step) => [step.concurrency, pick(step)]);
  const { booking } = peakSteps(results);
  return {
    throughput: lineChart({
      title: 'Throughput by concurrency: bookings and the floor',
      xLabel: 'concurrent clients',
      yLabel: 'per second',
      series: [
        { name: 'bookings held/s', points: series('booking', (s) => s.heldPerSecond) },
        { name: 'bookings released/s', points: series('booking', (s) => s.releasedPerSecond) },
        { name: 'floor held/s', points: series('floor', (s) => s.heldPerSecond), dashed: true },
        { name: 'floor released/s', points: series('floor', (s) => s.releasedPerSecond), dashed: true },
      ],
    }),
    latency: barChart({
      title: `Latency (bookings at concurrency ${booking.concurrency}; webhooks)`,
      yLabel: 'milliseconds',
      categories: ['POST /v1/bookings', 'create→held', 'webhook→state', 'webhook ingest'],
      series: (['p50', 'p95', 'p99'] as const).map((p) => ({
        name: p,
        values: [
          booking.createLatency[p],
          booking.createToHeld[p],
          results.webhookToState[p],
          results.ingest.latency[p],
        ],
      })),
    }),
    history: barChart({
      title: 'History events and Stripe calls per booking',
      yLabel: 'count',
      categories: results.shapes.flatMap((shape) => [
        `${shortName(shape.path)} events`,
        `${shortName(shape.path)} calls`,
      ]),
      series: [
        { name: 'measured', values: results.shapes.flatMap((shape) => [shape.historyEvents, shape.stripeCallCount]) },
        {
          name: 'minimum',
          values: results.shapes.flatMap((shape) => [shape.minimum.historyEvents, shape.minimum.stripeCalls]),
        },
      ],
    }),
  };
}

const shortName = (pathName: string) => (pathName === 'card' ? 'card' : 'ACH');

function renderMarkdown(
  results: BenchResults,
  command: string,
  charts: Record<string, string>,
  sideBySide: string[],
): string {
  const ratios = floorRatios(results);
  const { booking, floorPeak } = peakSteps(results);
  const { machine, ingest } = results;
  const lines: string[] = [
    '# Benchmarks',
    '',
    `Made by \`${command}\` on ${results.startedAt} in ${Math.round(results.durationSeconds)} s.`,
    '',
    stackParagraph(results),
    '',
    '## Summary',
    '',
    '```',
    renderTable(results),
    '```',
    '',
    ...sideBySide,
    '## Throughput',
    '',
    `Each client creates a card booking (\`POST /v1/bookings\`, a $1 hold on \`pm_card_visa\`, the stay's end plus the API's ` +
      `release grace of ${results.releaseGraceSeconds} s falling 2 s after creation), waits until the booking service hears \`hold.held\`, and creates the next; every hold is then ` +
      'released by the workflow about 2 s after creation. Held/s counts bookings held over the time the step ran; released/s counts ' +
      'bookings released over the time until the last release (the 2 s release delay is in it, for the floor too). Concurrency doubles ' +
      'until bookings held per second rise by less than 10 %.',
    '',
    `The **floor** is \`bench/floor/floor-workflow.ts\`: the card path's shape read from its measured history ` +
      `(${results.floorShape.activitiesBeforeHeld} activities before held, ${results.floorShape.signals} signals, ${results.floorShape.timers} timer(s) — the first until the same release time — ` +
      `and ${results.floorShape.activitiesAfterRelease} activities after), activities that do nothing but POST the held and released milestones to ` +
      (results.stack.kind === 'started'
        ? 'the same callback server the bookings notify'
        : "a callback server of the bench's own") +
      ", on its own task queue on the same server, run by its own worker process as the bookings' worker is, " +
      'with the same payload encryption. It is started with the Temporal client (no HTTP API in front), and its signals are sent together by the ' +
      'load generator once it is held, as a relay pass sends the events it claimed. Within each concurrency step the two paths run one after the ' +
      'other, bookings first on odd steps and the floor first on even ones, so a drift in the machine load does not favour one path.',
    '',
    `![throughput](${charts.throughput})`,
    '',
    ...stepsTable(results),
    '',
    `Peak: **${rate(booking.heldPerSecond)} bookings held/s** at concurrency ${booking.concurrency}; the floor peaked at ${rate(floorPeak.heldPerSecond)} held/s. ` +
      `Ratio to the floor: **${ratios.held.toFixed(2)} held**, **${ratios.released.toFixed(2)} released** (target ≥ ${TARGETS.floorRatio}).`,
    '',
    ...stepCpuLines(results),
    ...(ratios.held < TARGETS.floorRatio ? floorMissExplanation(results) : []),
    ...(ratios.held > 1
      ? [
          'A ratio above 1 means the floor did not bound us in this run. Both are bound by the same Temporal ' +
            `${results.stack.kind === 'cluster' ? 'cluster (' : 'dev server (SQLite, '}one history write per event), so the two differ by little more than noise; the floor also pays for what the bookings do not: its ` +
            `workflows are started and its ${results.floorShape.signals} signals sent by the load-generating process, where the bookings' are ` +
            'started by the API and signalled by the relay. On a shared machine (see the load average above), repeat the run before reading much ' +
            'into it.',
          '',
        ]
      : []),
    '## Latency',
    '',
    `![latency](${charts.latency})`,
    '',
    '| latency | samples | p50 | p95 | p99 | max |',
    '|---|---:|---:|---:|---:|---:|',
    latencyRow(`POST /v1/bookings (concurrency ${booking.concurrency})`, booking.createLatency),
    latencyRow(`create → held (concurrency ${booking.concurrency})`, booking.createToHeld),
    latencyRow('webhook received → workflow state changed', results.webhookToState),
    latencyRow('POST to the ingest floor', results.ingestFloor.latency),
    ...('unmeasured' in results.ingestRelayPaused
      ? []
      : [latencyRow('POST /v1/webhooks/stripe, relay paused', results.ingestRelayPaused.latency)]),
    latencyRow('POST /v1/webhooks/stripe, relay running', ingest.latency),
    latencyRow('relay lag (received → signalled)', ingest.relayLag),
    ...(ingest.relayLagOnceDue ? [latencyRow('relay lag once due (due → signalled)', ingest.relayLagOnceDue)] : []),
    '',
    (results.stack.kind === 'started'
      ? 'Create → held is measured up to the arrival of the signed `hold.held` callback at the booking service, so it includes that ' +
        'notification activity. '
      : "Create → held is measured up to the `hold.held` row's `created_at` in the notifications table (recorded just before the callback " +
        'would be sent). ') +
      'Webhook → state: a booking on `pm_card_authenticationRequired` waits in `requires_action`, the customer ' +
      "authenticates (emulator control route), and the time runs from the inbox's `received_at` of `payment_intent.amount_capturable_updated` " +
      `to the workflow's own \`updatedAt\` when the hold became \`held\` (the relay polls the inbox ${results.relayInterval}).`,
    '',
    '## Webhook ingest',
    '',
    ...ingestFloorSection(results),
    `${ingest.events} signed events from ${ingest.concurrency} concurrent senders to \`POST /v1/webhooks/stripe\`: each signature verified and the ` +
      `event stored in the Postgres inbox before the 200. Accepted **${rate(ingest.acceptedPerSecond)} events/s** (target ≥ ${TARGETS.ingestPerSecond}), ` +
      `p99 **${ms(ingest.latency.p99)}** (target < ${TARGETS.ingestP99Ms} ms), ${ingest.rejected} rejected. ${burstSettlement(ingest)}`,
    '',
    `CPU used from the first event until the inbox was empty (${results.ingestCpuWallSeconds.toFixed(1)} s of wall time, at most ` +
      `${(results.ingestCpuWallSeconds * machine.cores).toFixed(1)} CPU seconds on ${machine.cores} cores):`,
    '',
    '| process | CPU seconds |',
    '|---|---:|',
    ...results.ingestCpu.map((share) => `| ${share.label} | ${share.seconds.toFixed(1)} |`),
    '',
    ...ingestExplanation(results),
    ...relayLagTrade(results),
    '## History events and Stripe calls per booking',
    '',
    `![history](${charts.history})`,
    '',
    'Minimum history events assume every step is its own workflow task: start and first task 4, each activity 6 (scheduled, started, ' +
      'completed, task), each timer 5, each signal 4, each update 5, completion 1.',
    '',
    ...RELAY_FILTER_TRADE,
  ];
  for (const shape of results.shapes) {
    lines.push(
      `### ${shape.path}`,
      '',
      `Read at: ${shape.readAt}. **${shape.historyEvents} history events** (minimum ${shape.minimum.historyEvents}), ` +
        `**${shape.stripeCallCount} Stripe calls** (minimum ${shape.minimum.stripeCalls}).`,
      '',
      `Minimum: ${shape.minimum.why}.`,
      '',
      `Activities: ${Object.entries(shape.activities)
        .map(([name, n]) => `${name} ×${n}`)
        .join(
          ', ',
        )}; timers ${shape.timers}, signals ${shape.signals}, updates ${shape.updates}, workflow tasks ${shape.workflowTasks}.`,
      '',
      `Stripe calls: ${Object.entries(shape.stripeCalls)
        .map(([name, n]) => `\`${name}\` ×${n}`)
        .join(', ')}.`,
      '',
      `Webhooks received: ${shape.webhookTypes.join(', ')}; relayed as signals: ${shape.relayedWebhookTypes.join(', ') || 'none'} (the others recorded as handled in the inbox: their change was carried by another event or already answered to the workflow's own call).`,
      '',
      ...actionsParagraph(shape),
      '| events above the minimum | kind | why |',
      '|---:|---|---|',
      ...shape.aboveMinimum.map((row) => `| ${row.events} | ${row.what} | ${row.why} |`),
      '',
      `<details><summary>events by type</summary>\n\n${Object.entries(shape.eventsByType)
        .map(([name, n]) => `- ${name}: ${n}`)
        .join('\n')}\n\n</details>`,
      '',
    );
  }
  lines.push(
    '## Worker memory',
    '',
    ...memoryParagraphs(results),
    '## Settings of this run',
    '',
    '```json',
    JSON.stringify(printableSettings(results), null, 2),
    '```',
    '',
  );
  return lines.join('\n');
}

/** Where a path's Temporal Cloud actions go, and what it leaves in history and Postgres. */
function actionsParagraph(shape: PathShape): string[] {
  const view =
    shape.actionsPerView === null
      ? "A `GET /v1/bookings/:id` was not measured (the API's /metrics did not answer)."
      : `A \`GET /v1/bookings/:id\` costs ${shape.actionsPerView} action (the workflow query behind it): a booking service polling every 5 s ` +
        `for a day pays ${(shape.actionsPerView * 17_280).toLocaleString('en-US')} actions per booking; ` +
        `\`GET /v1/bookings/:id/status\` (the statuses from the workflow's search attributes, by describe) costs ` +
        `${shape.actionsPerStatusRead ?? 'an unmeasured number of'} actions.`;
  return [
    `**${actionFigure(shape)} Temporal Cloud actions** (${dollarsPerMillion(shape)} per million bookings at $${DOLLARS_PER_MILLION_ACTIONS} ` +
      `per million actions), counted from the history by the rules of https://docs.temporal.io/cloud/actions plus the queries and ` +
      `rejected updates the API sent for the path. ${view}`,
    '',
    '| actions | from |',
    '|---:|---|',
    ...Object.entries(shape.actions).map(([kind, n]) => `| ${n} | ${kind} |`),
    '',
    `History: ${shape.historyBytes.toLocaleString('en-US')} bytes as stored (payloads encrypted). Postgres: ` +
      `${shape.storage.inboxRows} inbox rows (${shape.storage.inboxBytes.toLocaleString('en-US')} bytes), ` +
      `${shape.storage.notificationRows} notification rows (${shape.storage.notificationBytes.toLocaleString('en-US')} bytes), indexes excluded.`,
    '',
  ];
}

function memoryParagraphs(results: BenchResults): string[] {
  const { memory } = results;
  const reusedNote =
    results.stack.kind === 'reused'
      ? [
          "On the reused stack the worker's workflow cache may already hold other bookings, and the bench cancelled its sleeping bookings at the end of the run.",
          '',
        ]
      : [];
  if (memory.perBookingBytes === null || memory.rssBeforeBytes === null || memory.rssAfterBytes === null) {
    return [
      `${memory.sleepingBookings} card bookings were held and left sleeping (they carry the webhook ingest below), but the worker's memory was ` +
        `**${memory.unmeasuredReason ?? 'not measured'}**. The bench reads resident memory from /proc by pid, finding a reused worker by the port of ` +
        "its health endpoint (`BENCH_WORKER_HEALTH_ADDRESS`); the worker's Prometheus endpoint has no resident-memory series.",
      '',
      ...reusedNote,
    ];
  }
  return [
    `${memory.sleepingBookings} card bookings held and sleeping until a release a month away, created in ${memory.secondsToCreate.toFixed(0)} s on one worker ` +
      `process: resident memory ${mib(memory.rssBeforeBytes)} before, ${mib(memory.rssAfterBytes)} after, **${kib(memory.perBookingBytes)} per sleeping booking** ` +
      `while it is in the worker's workflow cache. The worker sets no \`maxCachedWorkflows\`, so the SDK's default applies: ${memory.defaultCacheSize} workflows for this heap limit ` +
      '(600 per GiB of V8 heap limit above 200 MiB). Bookings beyond it are evicted and cost the worker little while they sleep: they are replayed from history ' +
      'on their next task (their release), so worker memory is bounded by the cache, not by the number of open bookings; a smaller cache trades memory for replays.',
    '',
    ...(memory.sleepingBookings < 10_000
      ? [
          `This run opened ${memory.sleepingBookings} (\`BENCH_SLEEPING_BOOKINGS\`). 10,000 open bookings on one worker are measured apart by ` +
            "`npm run bench:sleeping`, which reads the worker's memory after every thousand (most of an hour on this machine): see " +
            '[docs/bench/sleeping-bookings.md](docs/bench/sleeping-bookings.md).',
          '',
        ]
      : []),
    ...reusedNote,
  ];
}

/** A step's CPU milliseconds per booking: one process group's (by label), or all of them; null when the step has no CPU figures. */
function cpuMsPerBooking(step: StepResult, label?: string): number | null {
  if (!step.cpu) return null;
  const shares = step.cpu.shares.filter((share) => label === undefined || share.label === label);
  return (1000 * shares.reduce((total, share) => total + share.seconds, 0)) / step.bookings;
}

/**
 * Where the CPU of one booking went at the bookings' peak step, by process, beside the floor's at the
 * same concurrency: each process's CPU over the step divided by the bookings it placed and released.
 */
export function stepCpuLines(results: BenchResults): string[] {
  const { booking, floor } = peakSteps(results);
  if (!booking.cpu || !floor.cpu) return [];
  const perBooking = (step: StepResult, label?: string) => cpuMsPerBooking(step, label) ?? 0;
  const busy = (step: StepResult) =>
    `${Math.round((100 * perBooking(step) * step.bookings) / (1000 * step.cpu!.wallSeconds * results.machine.cores))} %`;
  const labels = [...new Set([...booking.cpu.shares, ...floor.cpu.shares].map((share) => share.label))].sort(
    (a, b) => perBooking(booking, b) - perBooking(booking, a),
  );
  const cpuMs = (value: number) => `${value.toFixed(value < 10 ? 1 : 0)} ms`;
  return [
    `CPU per booking at concurrency ${booking.concurrency}, placed and released: what each process used while the step ran, ` +
      `divided by the step's bookings (${booking.bookings} bookings, ${floor.bookings} floor workflows). ` +
      `The cores were busy ${busy(booking)} of the bookings' step and ${busy(floor)} of the floor's.`,
    '',
    '| process | booking | floor |',
    '|---|---:|---:|',
    ...labels.map(
      (label) => `| ${label} | ${cpuMs(perBooking(booking, label))} | ${cpuMs(perBooking(floor, label))} |`,
    ),
    `| **all** | **${cpuMs(perBooking(booking))}** | **${cpuMs(perBooking(floor))}** |`,
    '',
  ];
}

function floorMissExplanation(results: BenchResults): string[] {
  const card = results.shapes[0];
  const { booking, floor } = peakSteps(results);
  const bookingCpu = cpuMsPerBooking(booking);
  const floorCpu = cpuMsPerBooking(floor);
  const measuredCpu =
    bookingCpu !== null && floorCpu !== null
      ? `By the table above, a booking cost ${bookingCpu.toFixed(0)} ms of CPU where a floor workflow cost ${floorCpu.toFixed(0)} ms: ` +
        `${results.machine.cores} busy cores sustain at most about ${rate((1000 * results.machine.cores) / bookingCpu)} bookings placed and released ` +
        `a second against ${rate((1000 * results.machine.cores) / floorCpu)} floor workflows, whatever the concurrency (this step measured ` +
        `${rate(booking.releasedPerSecond)} and ${rate(floor.releasedPerSecond)} released/s; held/s runs higher while a step is shorter than ` +
        'the 2 s until its first releases, which then compete with the placements). '
      : '';
  return [
    `**Below the ${TARGETS.floorRatio} target.** ${measuredCpu}Why: the floor's activities return at once, while each booking activity does real work on the ` +
      `same two cores: ${card.stripeCallCount} HTTP calls to the Stripe emulator (which also sends signed webhooks the API verifies, stores and ` +
      'relays), Postgres writes for every notification and inbox event, signed callbacks to the booking service, payload encryption, and the API ' +
      "itself in front of the start. The floor's workflows do not share the CPU with any of that. The floor copies the card path's shape, so " +
      'each cut in Temporal work (one activity to place the hold, no signal for a webhook the call already answered, one patch marker) made the ' +
      "floor cheaper too, and what is left between them is that real work: the emulator's part of it is Stripe's own in production, and the " +
      "API's webhook ingest is measured on its own below. What would move it further: no Stripe Customer for a hold-only booking, and — on a " +
      'real deployment — the API, worker, Postgres and Temporal on their own cores (here the load generator, API and emulator share one Node process).',
    '',
  ];
}

/**
 * The ingest floor and the API's receiver with its relay paused and running, side by side: the same
 * load generator, the same burst size and senders, one after the other in this run.
 */
export function ingestFloorSection(
  results: Pick<BenchResults, 'ingest' | 'ingestFloor' | 'ingestRelayPaused' | 'relayInterval'>,
): string[] {
  const { ingest, ingestFloor: floor, ingestRelayPaused: paused } = results;
  const row = (name: string, figures: IngestRate) =>
    `| ${name} | ${rate(figures.acceptedPerSecond)} | ${ms(figures.latency.p50)} | ${ms(figures.latency.p99)} | ` +
    `${ingestFloorRatio(results, figures).toFixed(2)} | ${figures.rejected} |`;
  return [
    `The same load generator (${floor.concurrency} senders, each POSTing its next signed event once the last was answered, ` +
      `${floor.events} events a burst) drives three receivers, one burst each, in this order: the **ingest floor** ` +
      "(`bench/ingest-floor.ts`: a bare Hono receiver in the bench process that verifies the signature with stripe's webhook " +
      "verification and commits one INSERT per event into a table of its own on the same PostgreSQL, with a pool of 10 as the API's), " +
      'the API with its relay paused (every event stored and left pending; the relay resumed afterwards and drained them before the next ' +
      'burst), and the API with its relay running.',
    '',
    '| receiver | events/s | p50 | p99 | / floor | rejected |',
    '|---|---:|---:|---:|---:|---:|',
    row('ingest floor', floor),
    'unmeasured' in paused ? `| API, relay paused | ${paused.unmeasured} | | | | |` : row('API, relay paused', paused),
    row('API, relay running', ingest),
    '',
    `Target: the API at least ${TARGETS.ingestFloorRatio} × the floor, relay paused and running.` +
      ('unmeasured' in paused
        ? ''
        : ` With nothing else arriving, the resumed relay settled the paused burst in ${(paused.drainAfterResumeMs / 1000).toFixed(1)} s ` +
          `(${rate(paused.events / (paused.drainAfterResumeMs / 1000))} events/s; it polls ${results.relayInterval}).`),
    '',
  ];
}

/** What the ingest explanation reads of a run. */
type IngestFigures = Pick<BenchResults, 'stack' | 'ingest' | 'ingestCpu' | 'ingestCpuWallSeconds' | 'machine'> &
  Partial<Pick<BenchResults, 'ingestFloor' | 'ingestRelayPaused'>>;

/** What the same receiver did with its relay paused in this run, when measured: the relay's share of the miss. */
function pausedComparison({ ingest, ingestFloor, ingestRelayPaused }: IngestFigures): string {
  if (!ingestFloor || !ingestRelayPaused || 'unmeasured' in ingestRelayPaused) return '';
  return (
    ` With the relay paused the same receiver took ${rate(ingestRelayPaused.acceptedPerSecond)} events/s, p99 ${ms(ingestRelayPaused.latency.p99)} ` +
    `(${ingestFloorRatio({ ingestFloor }, ingestRelayPaused).toFixed(2)} × the floor's ${rate(ingestFloor.acceptedPerSecond)}/s), against ` +
    `${rate(ingest.acceptedPerSecond)} events/s, p99 ${ms(ingest.latency.p99)} with it running: the difference is ` +
    (signalledEvents(ingest) > 0
      ? "the relay's signals, which the Temporal server and the worker turn into CPU on the cores the receiver uses."
      : "the relay's passes, claiming and recording the events in PostgreSQL on the cores the receiver uses.")
  );
}

/**
 * Where a stored webhook's signal is written, and what would move it, by the
 * Temporal the run drove: the dev server (SQLite, one process), or the cluster's services on PostgreSQL.
 */
function ingestTemporal(stack: BenchResults['stack']): { historyWrite: string; moveTemporal: string } {
  if (stack.kind === 'cluster')
    return {
      historyWrite:
        "a history write on the cluster's history service (a transaction on the same PostgreSQL as the inbox, here)",
      moveTemporal:
        "Temporal's services on hosts of their own and its PostgreSQL apart from the inbox's, each on its own disk, as in production",
    };
  const temporal = stack.kind === 'started' ? 'the Temporal dev server' : "the stack's Temporal server";
  return {
    historyWrite: `a history write on ${temporal}`,
    moveTemporal:
      'Temporal on its own machines (a cluster on PostgreSQL or Cassandra, not the SQLite dev server) and PostgreSQL on its own disk, as in production',
  };
}

/** What became of the ingest burst's events in the relay, and its lag, as one paragraph's sentences. */
export function burstSettlement(ingest: IngestResult): string {
  const lag =
    `relay lag p50 ${ms(ingest.relayLag.p50)}, p99 ${ms(ingest.relayLag.p99)}; the inbox was empty ` +
    `${(ingest.drainedAfterMs / 1000).toFixed(1)} s after the first event.`;
  const graceWait = (each: string) =>
    ingest.relayLagOnceDue
      ? ` Being about a PaymentIntent its booking never learned, ${each} first waits \`RELAY_UNLEARNED_GRACE_MS\` (2 s by ` +
        'default) for the answer to a call that would have made it, by design (see "Which webhooks become signals" below); the lag from ' +
        `the end of that wait (\`next_attempt_at\`) to the signal, which says whether the relay keeps up, was p50 ${ms(ingest.relayLagOnceDue.p50)}, ` +
        `p99 ${ms(ingest.relayLagOnceDue.p99)}.`
      : '';
  if (!ingest.outcomes) {
    return (
      'The events name sleeping bookings and a PaymentIntent they do not follow, so each is relayed as a signal and dropped by its ' +
      `workflow without a Stripe call; ${lag}${graceWait('each event')}`
    );
  }
  const handled = ingest.outcomes.handled ?? 0;
  const relayed = ingest.outcomes.relayed ?? 0;
  return (
    'The events name sleeping bookings and a PaymentIntent those bookings never learned nor created (as Stripe would send for ' +
    `PaymentIntents another system made with their metadata): **${handled}** were recorded as \`handled\` without a signal, their bookings ` +
    `creating no PaymentIntent, and **${relayed}** were signalled (see "Which webhooks become signals" below); from receipt to either, ${lag}` +
    (relayed > 0 ? graceWait('each signalled event') : '')
  );
}

/**
 * Why the relay lag of the stray burst misses its target, from this run's figures: each stray costs a
 * signal, and the signals cannot go faster than the cores turn them into history writes and
 * workflow tasks; and the trade that keeps it so.
 */
export function relayLagTrade(results: Pick<BenchResults, 'ingest' | 'ingestCpu' | 'ingestRelayPaused'>): string[] {
  const { ingest } = results;
  if (ingest.relayLag.p99 < TARGETS.relayLagP99Ms) return [];
  const signalled = signalledEvents(ingest);
  const cpuMsPerEvent = (pick: (label: string) => boolean) =>
    (1000 * results.ingestCpu.filter((share) => pick(share.label)).reduce((total, share) => total + share.seconds, 0)) /
    signalled;
  const temporalMs = cpuMsPerEvent((label) => label.startsWith('Temporal'));
  const workerMs = cpuMsPerEvent((label) => label.startsWith('booking worker'));
  const paused = results.ingestRelayPaused;
  const relayRate = (verb: string) =>
    paused && !('unmeasured' in paused)
      ? `the relay alone, with nothing else arriving, ${verb} the paused burst at ${rate(paused.events / (paused.drainAfterResumeMs / 1000))} events/s`
      : `the relay emptied the inbox ${(ingest.drainedAfterMs / 1000).toFixed(1)} s after the first event`;
  if (signalled === 0) {
    return [
      '**Relay lag above target.** No event of this burst was signalled: the lag is how long the relay took to claim and record ' +
        `them while the receiver took the burst on the same cores; ${relayRate('settled')}.`,
      '',
    ];
  }
  return [
    `**Relay lag above target.** ${signalled} events of this burst were signalled, and each signal cost ${temporalMs.toFixed(1)} ms ` +
      `of Temporal's CPU and ${workerMs.toFixed(1)} ms of the booking worker's (the burst's CPU above, per signalled event); on these ` +
      `cores ${relayRate('signalled')}, so thousands of signals take seconds whatever the relay does, and the p99 is the backlog ` +
      '("relay lag once due" equals the lag when the relay is behind by more than the grace). Grouping events in one signal per ' +
      'workflow would not shorten it here: the burst spreads its events over the sleeping bookings in turn, so a claim in receipt order ' +
      'never holds two events of one booking. An event about a PaymentIntent its booking never learned is recorded unsignalled only ' +
      'while its booking creates none and every worker polling the task queue records its creates (see "Which webhooks become ' +
      'signals"); otherwise it is signalled, so that no webhook a workflow may need is dropped.',
    '',
  ];
}

/** How many events of the ingest burst the relay signalled (every one, in reports from before the outcomes were counted). */
function signalledEvents(ingest: IngestResult): number {
  return ingest.outcomes ? (ingest.outcomes.relayed ?? 0) : ingest.events;
}

/** Why the webhook ingest missed its targets on this run, when it did. */
export function ingestExplanation(results: IngestFigures): string[] {
  const { ingest } = results;
  const missRate = ingest.acceptedPerSecond < TARGETS.ingestPerSecond;
  const missP99 = ingest.latency.p99 >= TARGETS.ingestP99Ms;
  if (!missRate && !missP99) return [];
  const shares = results.ingestCpu
    .filter((share) => share.seconds >= 0.5)
    .map((share) => `${share.label} ${share.seconds.toFixed(1)} s`)
    .join(', ');
  const cpuSeconds = results.ingestCpu.reduce((total, share) => total + share.seconds, 0);
  const busyPercent = (100 * cpuSeconds) / (results.ingestCpuWallSeconds * results.machine.cores);
  const temporal = ingestTemporal(results.stack);
  const signalled = signalledEvents(ingest);
  const relayWork =
    signalled > 0
      ? `But ${signalled === ingest.events ? 'every event of the burst' : `${signalled} events of the burst`} became a signal (each carried a status ` +
        `its booking had not learned from its own calls, so the relay could not hold it back), and every signal ${temporal.historyWrite} and a ` +
        'workflow task on a worker'
      : 'No event of this burst became a signal (see above): the relay only claimed and recorded them, in the same PostgreSQL as the ' +
        'receiver and, here, in the Node process that also runs the load generator';
  const floorP99 =
    results.ingestFloor && results.ingestFloor.latency.p99 >= TARGETS.ingestP99Ms
      ? ` The floor itself answered with p99 ${ms(results.ingestFloor.latency.p99)} in this run: on these cores no receiver that commits ` +
        `each event meets ${TARGETS.ingestP99Ms} ms at ${ingest.concurrency} senders.`
      : '';
  return [
    `**${[missRate && 'Rate', missP99 && 'p99'].filter(Boolean).join(' and ')} below target.** Why: a webhook costs the receiver one signature ` +
      'check and one INSERT committed on one pooled connection; it then nudges the relay, and nudges coalesce into one batch pass at a time ' +
      'per API process (claim up to RELAY_BATCH_SIZE due events `FOR UPDATE SKIP LOCKED`, signal them together, mark them), so the receiver keeps the pool. ' +
      `${relayWork}, on the same cores while the events arrive${shares ? ` (CPU: ${shares}; ${busyPercent.toFixed(0)} % of all cores until the inbox was empty)` : ''}. ` +
      `Each commit also waits for its WAL flush, and the senders share the API's event loop. What would move it: ${signalled > 0 ? `${temporal.moveTemporal}; ` : ''}more API ` +
      'processes (the receiver keeps no state and relays share the inbox through SKIP LOCKED); the load generator on another machine; group ' +
      'commit (`commit_delay`) when many webhooks commit at once.' +
      floorP99 +
      pausedComparison(results),
    '',
  ];
}
