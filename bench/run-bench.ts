/**
 * One benchmark run, phase by phase, on a stack it starts or (BENCH_API_URL) one already running:
 * history shape of each path (quiet system first), throughput of bookings and of the floor at
 * rising concurrency, webhook to state change, worker memory with sleeping bookings, then webhook
 * ingest spread over those bookings: to the ingest floor, to the API with its relay paused, then running.
 */
import os from 'node:os';
import { setTimeout } from 'node:timers/promises';
import { CLOCK_SKEW_MARGIN_SECONDS } from '../inbox/payment-intent-creations.js';
import type { BenchConfig } from './bench-config.js';
import { startedBenchTarget, type BenchTarget, type StackUsed } from './bench-target.js';
import { startedClusterTarget } from './cluster-target.js';
import { runBookingStep, runFloorStep, type StepResult } from './booking-traffic.js';
import { startFloorWorker } from './floor/floor-worker.js';
import type { FloorShape } from './floor/floor-workflow.js';
import { floorShapeOf, measurePathShape, type PathShape } from './history-shape.js';
import { cpuSince, cpuSnapshot, type CpuShare } from './process-cpu.js';
import type { LatencySummary } from './percentiles.js';
import { openReusedTarget } from './reused-target.js';
import {
  measureIngestFloor,
  measurePausedWebhookIngest,
  measureWebhookIngest,
  type IngestComparison,
  type IngestResult,
} from './webhook-ingest.js';
import { measureWebhookToState } from './webhook-to-state.js';
import { measureWorkerMemory, type MemoryResult } from './worker-memory.js';

/** Everything one run measured. */
export interface BenchResults {
  startedAt: string;
  durationSeconds: number;
  machine: {
    cpus: string;
    cores: number;
    memoryBytes: number;
    platform: string;
    node: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  config: BenchConfig;
  /** The stack the run drove: started by it, or reused at an API URL. */
  stack: StackUsed;
  /** The API's release grace the bookings were dated for (measured on a reused stack). */
  releaseGraceSeconds: number;
  /** How often the relay polled the inbox, as far as the bench knows. */
  relayInterval: string;
  shapes: PathShape[];
  floorShape: FloorShape;
  steps: StepResult[];
  webhookToState: LatencySummary;
  memory: Omit<MemoryResult, 'bookingIds'>;
  /** The API's receiver with its relay running (the figures of the targets). */
  ingest: IngestResult;
  /** The same burst to the ingest floor and to the API with its relay paused, in the same run. */
  ingestFloor: IngestComparison['floor'];
  ingestRelayPaused: IngestComparison['relayPaused'];
  /** CPU seconds by process group while the webhooks were sent and relayed. */
  ingestCpu: CpuShare[];
  /** Wall time the CPU figures of the ingest cover (from just before the first event until the inbox was empty). */
  ingestCpuWallSeconds: number;
}

/** Rising concurrency: 1, 2, 4, … up to `max`. */
export function concurrencySteps(max: number): number[] {
  const steps: number[] = [];
  for (let c = 1; c < max; c *= 2) steps.push(c);
  steps.push(max);
  return steps;
}

/** Names each process by its part in the stack, for CPU figures. */
function processLabeller(target: BenchTarget, floorWorkerPid: number): (pid: number, comm: string) => string {
  return (pid, comm) => {
    const label = target.processLabels.get(pid);
    if (label) return label;
    if (pid === floorWorkerPid) return "floor's worker";
    // The cluster's Temporal processes are labelled by pid; a `temporal` there is someone else's dev server.
    if (comm === 'temporal' && target.stack.kind !== 'cluster') return 'Temporal dev server';
    if (comm === 'postgres') return 'PostgreSQL';
    if (comm.startsWith('kworker') || comm.startsWith('jbd2')) return 'kernel (disk writeback, journal)';
    return 'other processes';
  };
}

/** Runs one throughput step and adds the CPU each process used while it ran. */
async function withCpu(
  labelOf: (pid: number, comm: string) => string,
  run: () => Promise<StepResult>,
): Promise<StepResult> {
  const before = cpuSnapshot();
  const began = performance.now();
  const step = await run();
  return { ...step, cpu: { shares: cpuSince(before, labelOf), wallSeconds: (performance.now() - began) / 1000 } };
}

/** Which stack a run drives: a running one (BENCH_API_URL), or one the bench starts. */
export type TargetChoice = 'reuse' | BenchConfig['BENCH_TARGETS'][number];

/** Opens the stack a run drives. */
async function openTarget(
  config: BenchConfig,
  choice: TargetChoice,
  log: (line: string) => void,
): Promise<BenchTarget> {
  if (choice === 'reuse' && config.reuse) {
    log(`[bench] reusing the running stack at ${config.reuse.apiUrl}`);
    return openReusedTarget(config.reuse, log);
  }
  if (choice === 'cluster') {
    log('[bench] starting the cluster (Temporal services on PostgreSQL, Stripe emulator, 2 APIs, 2 worker processes)');
    return startedClusterTarget(log);
  }
  log('[bench] starting the stack (Temporal dev server, PostgreSQL, Stripe emulator, API, worker process)');
  return startedBenchTarget();
}

/** Every stack the settings name, each run in full one after the other; the first is the report's main one. */
export async function runBenchTargets(
  config: BenchConfig,
  log: (line: string) => void = console.log,
): Promise<BenchResults[]> {
  const choices: TargetChoice[] = config.reuse ? ['reuse'] : config.BENCH_TARGETS;
  const results: BenchResults[] = [];
  for (const choice of choices) results.push(await runBench(config, log, () => openTarget(config, choice, log)));
  return results;
}

/**
 * Runs every phase against one stack and answers the figures; `log` hears progress. The stack is
 * the bench's own dev stack unless `open` gives another (a running cluster, in the tests).
 */
export async function runBench(
  config: BenchConfig,
  log: (line: string) => void = console.log,
  open: () => Promise<BenchTarget> = () => openTarget(config, config.reuse ? 'reuse' : 'dev', log),
): Promise<BenchResults> {
  const began = Date.now();
  // The machine may be shared: its load around the run says how far the figures are its own.
  const loadAverageBefore = os.loadavg();
  const startedAt = new Date(began).toISOString();
  const target = await open();
  const clock = target.milestones;
  const floorWorker = await startFloorWorker({
    address: target.temporalAddress,
    namespace: target.temporalNamespace,
    payloadCodecKeys: target.payloadCodecKeys,
    callbackUrl: target.floorCallbackUrl,
  }).catch(async (error: unknown) => {
    await target.stop();
    throw error;
  });
  // Bookings the run leaves open on a reused stack, cancelled at the end.
  const leftOpen: string[] = [];
  // The servers and the worker run in their own process groups: Ctrl-C would leave them running.
  const stopOnSignal = (signal: NodeJS.Signals) => {
    log(`[bench] ${signal}: stopping ${target.outlivesRun ? 'the floor worker' : 'the stack'}`);
    void floorWorker
      .stop()
      .finally(() => target.stop())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const labelOf = processLabeller(target, floorWorker.pid);
    log('[bench] history and Stripe calls per booking: card, ACH with microdeposits');
    const card = await measurePathShape(target, 'card');
    const ach = await measurePathShape(target, 'ach-microdeposits');
    const floorShape = floorShapeOf(card);
    log(`[bench] floor shape ${JSON.stringify(floorShape)}`);

    const steps: StepResult[] = [];
    let best = 0;
    for (const [index, concurrency] of concurrencySteps(config.BENCH_MAX_CONCURRENCY).entries()) {
      const bookings = Math.max(config.BENCH_MIN_BOOKINGS_PER_STEP, concurrency * config.BENCH_ROUNDS);
      const runBookings = () =>
        withCpu(labelOf, () =>
          runBookingStep({
            apiUrl: target.apiUrl,
            apiToken: target.apiToken,
            releaseGraceSeconds: target.releaseGraceSeconds,
            clock,
            concurrency,
            bookings,
          }),
        );
      const runFloor = () =>
        withCpu(labelOf, () =>
          runFloorStep({ client: target.client, shape: floorShape, clock, concurrency, bookings }),
        );
      // Which path runs first alternates, so a drift in the machine's load does not favour one of them.
      let booking: StepResult;
      let floor: StepResult;
      if (index % 2 === 0) {
        booking = await runBookings();
        floor = await runFloor();
      } else {
        floor = await runFloor();
        booking = await runBookings();
      }
      steps.push(booking, floor);
      log(
        `[bench] c=${concurrency}: bookings ${booking.heldPerSecond.toFixed(1)} held/s ${booking.releasedPerSecond.toFixed(1)} released/s; floor ${floor.heldPerSecond.toFixed(1)} held/s ${floor.releasedPerSecond.toFixed(1)} released/s`,
      );
      // Saturated: doubling the clients raised bookings held per second by less than 10 %.
      if (best > 0 && booking.heldPerSecond < best * 1.1) break;
      best = Math.max(best, booking.heldPerSecond);
    }

    log(`[bench] webhook → state change: ${config.BENCH_3DS_BOOKINGS} 3-D Secure bookings`);
    const webhookToState = await measureWebhookToState(target, { bookings: config.BENCH_3DS_BOOKINGS, concurrency: 4 });

    log(`[bench] worker memory with ${config.BENCH_SLEEPING_BOOKINGS} sleeping bookings`);
    const { bookingIds, ...memory } = await measureWorkerMemory(target, {
      bookings: config.BENCH_SLEEPING_BOOKINGS,
      concurrency: Math.min(16, config.BENCH_MAX_CONCURRENCY),
    });
    leftOpen.push(...bookingIds);
    // The burst's PaymentIntents are created now; the relay takes one for another's only if it was created
    // more than the clock-skew margin after its booking's first create, as any created later than that is.
    await setTimeout((CLOCK_SKEW_MARGIN_SECONDS + 2) * 1000);

    const burst = {
      events: config.BENCH_WEBHOOK_EVENTS,
      concurrency: config.BENCH_WEBHOOK_CONCURRENCY,
      bookingIds,
    };
    log(`[bench] webhook ingest floor: ${burst.events} events, ${burst.concurrency} senders`);
    const ingestFloor = await measureIngestFloor(target, burst);
    log(`[bench] webhook ingest floor ${ingestFloor.acceptedPerSecond.toFixed(1)}/s; the API with its relay paused`);
    const ingestRelayPaused =
      'unmeasured' in target.relay ? target.relay : await measurePausedWebhookIngest(target, target.relay, burst);
    log('[bench] webhook ingest with the relay running');
    const cpuBefore = cpuSnapshot();
    const cpuWindowStart = performance.now();
    const ingest = await measureWebhookIngest(target, burst);
    const ingestCpuWallSeconds = (performance.now() - cpuWindowStart) / 1000;
    const ingestCpu = cpuSince(cpuBefore, labelOf);

    const cpus = os.cpus();
    return {
      startedAt,
      durationSeconds: (Date.now() - began) / 1000,
      machine: {
        cpus: cpus[0]?.model ?? 'unknown',
        cores: cpus.length,
        memoryBytes: os.totalmem(),
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        node: process.version,
        loadAverageBefore,
        loadAverageAfter: os.loadavg(),
      },
      config,
      stack: target.stack,
      releaseGraceSeconds: target.releaseGraceSeconds,
      relayInterval: target.relayInterval,
      shapes: [card, ach],
      floorShape,
      steps,
      webhookToState,
      memory,
      ingest,
      ingestFloor,
      ingestRelayPaused,
      ingestCpu,
      ingestCpuWallSeconds,
    };
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    await floorWorker.stop();
    if (target.outlivesRun && leftOpen.length) {
      log(`[bench] cancelling the ${leftOpen.length} sleeping bookings left open on a stack the bench does not own`);
      await cancelBookings(target, leftOpen, log);
    }
    await target.stop();
  }
}

/** Cancels bookings (their holds released), a few at a time; a failure is logged, not thrown, so the rest are cancelled. */
async function cancelBookings(target: BenchTarget, bookingIds: string[], log: (line: string) => void): Promise<void> {
  const queue = [...bookingIds];
  let failures = 0;
  const canceller = async () => {
    for (let bookingId = queue.pop(); bookingId; bookingId = queue.pop()) {
      const answer = await target
        .api('POST', `/v1/bookings/${bookingId}/cancel`, { reason: 'bench run over' })
        .catch((error: unknown) => ({ status: 0, error }));
      if (answer.status !== 200 && (failures += 1) <= 3)
        log(`[bench] cancelling ${bookingId} answered ${answer.status}`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, canceller));
  if (failures) log(`[bench] ${failures} bookings could not be cancelled; they release on their own a month from now`);
}
