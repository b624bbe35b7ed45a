/**
 * What the benchmark's phases drive: the stack it starts itself (bench/stack.ts) or one already
 * running that it reuses (bench/reused-target.ts). Phases see only this, never how it was reached.
 */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { ApiAnswer, RelayControl } from '../harness/system-under-test.js';
import type { BookingView } from '../api/booking/schemas.js';
import { MilestoneClock } from './milestones.js';
import { startBenchStack } from './stack.js';
import { scrapeApiTemporalCalls, type ApiTemporalCalls } from './billable-actions.js';

/** Which stack a run drove, for the report. */
export type StackUsed =
  { kind: 'started' } | { kind: 'reused'; apiUrl: string } | { kind: 'cluster'; apis: number; workers: number };

export type { RelayControl };

/** The worker's memory: readable, or why it is not. */
export type WorkerMemoryReader = { rssBytes(): number } | { unmeasured: string };

/** A stack the bench drives and how to observe it. */
export interface BenchTarget {
  stack: StackUsed;
  apiUrl: string;
  apiToken: string;
  /** Calls the API with the bearer token; answers its status and JSON body. */
  api<Body = BookingView>(method: string, path: string, body?: unknown): Promise<ApiAnswer<Body>>;
  /** A Temporal client with the stack's payload codec. */
  client: Client;
  temporalAddress: string;
  temporalNamespace: string;
  /** The stack's PAYLOAD_CODEC_KEYS, so the floor's worker pays the same codec cost. */
  payloadCodecKeys: string;
  /** The database the stack's API and worker share (inbox, notifications). */
  db: Pool;
  /** Its URL, for the ingest floor's own pool (a secret: never reported). */
  databaseUrl: string;
  /** Pauses and resumes the API's inbox relay; absent (with why) where the bench cannot. */
  relay: RelayControl | { unmeasured: string };
  /** The secret the API verifies Stripe webhooks with. */
  webhookSecret: string;
  /** Calls the Stripe emulator's control API (`/_emulator/…`); throws on a non-2xx answer. */
  emulatorControl<T = { data: Array<Record<string, unknown>> }>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T>;
  /** Fed with `held` and `released` of bookings and floor workflows as they are reached. */
  milestones: MilestoneClock;
  /** Where the floor's worker POSTs its milestones. */
  floorCallbackUrl: string;
  /** The API's HOLD_RELEASE_GRACE_SECONDS: bench bookings are dated so their holds are released 2 s after creation. */
  releaseGraceSeconds: number;
  /** How often the API's relay polls the inbox, as the report says it. */
  relayInterval: string;
  workerMemory: WorkerMemoryReader;
  /** Labels of the stack's own processes for the CPU table (others are labelled by command name). */
  processLabels: Map<number, string>;
  /** The API's count of billable Temporal calls it sent (queries, rejected updates…); null when unreadable. */
  apiTemporalCalls(): Promise<ApiTemporalCalls | null>;
  /** Bookings the bench leaves open outlive the run on this stack: the bench cancels them at the end. */
  outlivesRun: boolean;
  stop(): Promise<void>;
}

/** Starts the bench's own stack (bench/stack.ts) and wraps it. */
export async function startedBenchTarget(): Promise<BenchTarget> {
  const stack = await startBenchStack();
  const { system } = stack;
  const milestones = new MilestoneClock();
  milestones.listenTo(system.callbacks);
  return {
    stack: { kind: 'started' },
    apiUrl: system.apiUrl,
    apiToken: system.apiToken,
    api: (method, path, body) => system.api(method, path, body),
    client: system.client,
    temporalAddress: system.temporal.address,
    temporalNamespace: 'default',
    payloadCodecKeys: system.payloadCodecKeys,
    db: system.db,
    databaseUrl: system.databaseUrl,
    relay: system.relay,
    webhookSecret: system.webhookSecret,
    emulatorControl: (method, path, body) => system.emulatorControl(method, path, body),
    milestones,
    floorCallbackUrl: system.callbackUrl,
    // HOLD_RELEASE_GRACE_SECONDS and RELAY_INTERVAL_MS of harness/system-under-test.ts.
    releaseGraceSeconds: 1,
    relayInterval: 'every 200 ms here; production default 1 s',
    workerMemory: { rssBytes: () => stack.workerRssBytes() },
    processLabels: new Map([
      [process.pid, 'load generator, Stripe emulator, API and relay (one Node process)'],
      [stack.worker.child.pid, 'booking worker'],
    ]),
    // The bench's API sets no METRICS_TOKEN.
    apiTemporalCalls: () => scrapeApiTemporalCalls(system.apiUrl),
    outlivesRun: false,
    stop: () => stack.stop(),
  };
}
