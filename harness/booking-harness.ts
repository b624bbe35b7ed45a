/**
 * Workflow-test harness: the time-skipping test server, real PostgreSQL, the Stripe emulator over
 * HTTP and a real booking worker (the real activities and the official `stripe` package), which
 * runs both booking and payment-method setup workflows. Webhooks are relayed as signals by the
 * test itself, so a test chooses their order and repeats.
 */
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, bundleWorkflowCode, type Worker } from '@temporalio/worker';
import type Stripe from 'stripe';
import {
  paymentIntentIdOf,
  setupIdOf,
  toStripeEventSignal,
  type StripeEventEnvelope,
} from '../inbox/stripe-event-signal.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { createStripeEmulator } from '../emulator/create-emulator.js';
import type { RequestLogEntry } from '../emulator/request-log.js';
import { createStripeClient } from '../stripe/create-stripe-client.js';
import { createPaymentGateway } from '../stripe/payment-gateway.js';
import { WORKFLOWS_PATH, createBookingWorker } from '../worker/create-worker.js';
import {
  BOOKING_WORKFLOW_TYPE,
  DEFAULT_HOLD_POLICY,
  bookingStateQuery,
  bookingWorkflowId,
  stripeEventSignal,
  type BookingInput,
  type BookingState,
  type HoldStatus,
  type PaymentStatus,
} from '../workflows/booking/contract.js';
import {
  DEFAULT_SETUP_POLICY,
  PAYMENT_METHOD_SETUP_WORKFLOW_TYPE,
  paymentMethodSetupWorkflowId,
  setupStateQuery,
  type PaymentMethodSetupInput,
  type PaymentMethodSetupState,
  type SetupStatus,
} from '../workflows/setup/contract.js';
import { startTestPostgres } from './postgres.js';
import { recordHistory } from './recorded-histories.js';
import { createTimeSkippingEnv } from './time-skipping-env.js';
import { waitFor } from './wait-for.js';

/** Everything a workflow test drives. */
export interface BookingHarness {
  env: TestWorkflowEnvironment;
  db: ReturnType<typeof createPool>;
  stripe: Stripe;
  emulatorUrl: string;
  taskQueue: string;
  /** Starts a booking workflow with sensible defaults; overrides win. `taskQueue` picks another worker's queue. */
  startBooking(overrides?: Partial<BookingInput>, options?: { taskQueue?: string }): Promise<WorkflowHandle>;
  /** Polls the booking's query (real time, no skipping) until its hold reaches a status. */
  waitForHoldStatus(handle: WorkflowHandle, status: HoldStatus): Promise<BookingState>;
  /** Polls the booking's query until its bank payment reaches a status. */
  waitForPaymentStatus(handle: WorkflowHandle, status: PaymentStatus): Promise<BookingState>;
  /** The emulator's events about a booking, oldest first. */
  eventsFor(bookingId: string): Promise<StripeEventEnvelope[]>;
  /** Signals events to the booking's workflow as the inbox relay would. */
  relay(bookingId: string, events: StripeEventEnvelope[]): Promise<void>;
  /** Starts a payment-method setup workflow (a card by default); overrides win. */
  startSetup(overrides?: Partial<PaymentMethodSetupInput>): Promise<WorkflowHandle>;
  /** Polls the setup's query (real time, no skipping) until it reaches a status. */
  waitForSetupStatus(handle: WorkflowHandle, status: SetupStatus): Promise<PaymentMethodSetupState>;
  /** The emulator's events about a setup's SetupIntent (those the API relays to it), oldest first. */
  setupEventsFor(setupId: string): Promise<StripeEventEnvelope[]>;
  /** Signals events to the setup's workflow as the inbox relay would. */
  relaySetup(setupId: string, events: StripeEventEnvelope[]): Promise<void>;
  /**
   * Moves Stripe's clock and then workflow time forward by `seconds`, so that what Stripe does on
   * its own (microdeposits expiring) has happened when the workflow's timers fire.
   */
  skipTime(seconds: number): Promise<void>;
  /**
   * With RECORD_HISTORIES=1, writes the workflow's history to test/replay/histories/<name>.json
   * (never over a recorded one) so the replay test proves later workflow code still replays it.
   */
  recordHistory(handle: WorkflowHandle, name: string): Promise<void>;
  /** Calls the emulator's control API. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** The PaymentIntents the emulator holds for a booking (its `booking_id` metadata). */
  paymentIntentsOf(bookingId: string): Promise<EmulatedPaymentIntent[]>;
  /**
   * The Stripe requests a booking made, oldest first, as `METHOD /path status`: those keyed by the
   * booking or its customer, and those naming its Stripe Customer or one of its PaymentIntents.
   */
  stripeRequestsOf(booking: Pick<BookingState, 'bookingId' | 'customerId' | 'stripeCustomerId'>): Promise<string[]>;
  stop(): Promise<void>;
}

/** A PaymentIntent as the emulator's control API lists it: the fields the tests read. */
export interface EmulatedPaymentIntent {
  id: string;
  status: string;
  cancellation_reason: string | null;
  latest_charge: string | null;
  metadata: Record<string, string>;
}

/** Starts the harness; call `stop()` in afterAll. Emulator options (e.g. ACH timings) pass through. */
export async function startBookingHarness(
  emulatorOptions: Partial<Parameters<typeof createStripeEmulator>[0]> = {},
): Promise<BookingHarness> {
  // Retried activity failures are expected here by the hundred; keep the output to real errors.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await createTimeSkippingEnv();
  const postgres = await startTestPostgres();
  await migrate(postgres.url);
  const db = createPool(postgres.url);
  const emulator = createStripeEmulator({ webhookSecret: 'whsec_workflow_tests', ...emulatorOptions });
  const server = await emulator.listen(0);
  const stripe = createStripeClient({ STRIPE_SECRET_KEY: 'sk_test_workflow_tests', STRIPE_API_URL: server.url });
  const taskQueue = `bookings-${randomUUID()}`;
  const worker: Worker = await createBookingWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    gateway: createPaymentGateway(stripe),
    db,
    callback: {},
    options: {
      workflowBundle: await bundleWorkflowCode({
        workflowsPath: WORKFLOWS_PATH,
        logger: quietLogger({ warnings: true }),
      }),
    },
  });
  const running = worker.run();

  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok)
      throw new Error(`emulator ${method} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };

  const waitForQuery = async <S>(
    read: () => Promise<S>,
    reached: (state: S) => boolean,
    description: string,
    shown: (state: S) => unknown,
  ): Promise<S> => {
    let last: S | undefined;
    try {
      await waitFor(
        async () => {
          last = await read();
          return reached(last);
        },
        { timeoutMs: 30_000, description },
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; last state: ${JSON.stringify(last && shown(last))}`);
    }
    return last!;
  };
  const waitForState = (
    handle: WorkflowHandle,
    reached: (state: BookingState) => boolean,
    description: string,
    shown: (state: BookingState) => unknown,
  ): Promise<BookingState> => waitForQuery(() => handle.query(bookingStateQuery), reached, description, shown);

  /**
   * Workflow time, which earlier tests may have skipped ahead of the wall clock; Stripe's clock is
   * moved up to it so authorization times, microdeposit expiries and deadlines share one timeline.
   */
  const syncStripeClock = async (): Promise<number> => {
    const now = await env.currentTimeMs();
    const stripeClock = await control<{ now: number }>('GET', '/_emulator/clock');
    const behindSeconds = Math.floor(now / 1000) - stripeClock.now;
    if (behindSeconds > 0) await control('POST', '/_emulator/clock/advance', { seconds: behindSeconds });
    return now;
  };

  const paymentIntentsOf = async (bookingId: string): Promise<EmulatedPaymentIntent[]> => {
    const path = `/_emulator/payment_intents?booking_id=${encodeURIComponent(bookingId)}`;
    return (await control<{ data: EmulatedPaymentIntent[] }>('GET', path)).data;
  };

  const allEvents = async (): Promise<StripeEventEnvelope[]> => {
    const all: StripeEventEnvelope[] = [];
    for await (const event of stripe.events.list({ limit: 100 })) all.push(event as unknown as StripeEventEnvelope);
    return all;
  };

  return {
    env,
    db,
    stripe,
    emulatorUrl: server.url,
    taskQueue,
    async startBooking(overrides = {}, options = {}) {
      const bookingId = overrides.bookingId ?? `wf-${randomUUID()}`;
      const now = await syncStripeClock();
      const input: BookingInput = {
        bookingId,
        customer: { id: `cust-${bookingId}`, email: 'guest@example.com', name: 'Test Guest' },
        holdPaymentMethod: 'pm_card_visa',
        startsAt: new Date(now + 60 * 60_000).toISOString(),
        endsAt: new Date(now + 3 * 60 * 60_000).toISOString(),
        policy: DEFAULT_HOLD_POLICY,
        ...overrides,
      };
      return env.client.workflow.start(BOOKING_WORKFLOW_TYPE, {
        workflowId: bookingWorkflowId(bookingId),
        taskQueue: options.taskQueue ?? taskQueue,
        args: [input],
      });
    },
    waitForHoldStatus: (handle, status) =>
      waitForState(
        handle,
        (state) => state.hold.status === status,
        `hold status ${status}`,
        (state) => state.hold,
      ),
    waitForPaymentStatus: (handle, status) =>
      waitForState(
        handle,
        (state) => state.payment?.status === status,
        `payment status ${status}`,
        (state) => state.payment,
      ),
    async eventsFor(bookingId) {
      const all = await allEvents();
      // The booking's PaymentIntents carry its id; their charges, disputes and refunds point at them.
      const intents = new Set(
        all
          .filter(
            (event) => (event.data.object.metadata as Record<string, string> | undefined)?.booking_id === bookingId,
          )
          .map((event) => paymentIntentIdOf(event)),
      );
      return all.filter((event) => intents.has(paymentIntentIdOf(event))).sort((a, b) => a.created - b.created);
    },
    async relay(bookingId, events) {
      const handle = env.client.workflow.getHandle(bookingWorkflowId(bookingId));
      for (const event of events) await handle.signal(stripeEventSignal, toStripeEventSignal(event));
    },
    async startSetup(overrides = {}) {
      const setupId = overrides.setupId ?? `setup-${randomUUID()}`;
      await syncStripeClock();
      const input: PaymentMethodSetupInput = {
        setupId,
        customer: { id: `cust-${setupId}`, email: 'guest@example.com', name: 'Test Guest' },
        type: 'card',
        verification: 'automatic',
        policy: DEFAULT_SETUP_POLICY,
        ...overrides,
      };
      return env.client.workflow.start(PAYMENT_METHOD_SETUP_WORKFLOW_TYPE, {
        workflowId: paymentMethodSetupWorkflowId(setupId),
        taskQueue,
        args: [input],
      });
    },
    waitForSetupStatus: (handle, status) =>
      waitForQuery(
        () => handle.query(setupStateQuery),
        (state) => state.status === status,
        `setup status ${status}`,
        ({ seenEventIds: _seen, ...state }) => state,
      ),
    async setupEventsFor(setupId) {
      // The events the webhook receiver relays to this setup's workflow: its SetupIntent's.
      return (await allEvents()).filter((event) => setupIdOf(event) === setupId).sort((a, b) => a.created - b.created);
    },
    async relaySetup(setupId, events) {
      const handle = env.client.workflow.getHandle(paymentMethodSetupWorkflowId(setupId));
      for (const event of events) await handle.signal(stripeEventSignal, toStripeEventSignal(event));
    },
    async skipTime(seconds) {
      await control('POST', '/_emulator/clock/advance', { seconds });
      await env.sleep(seconds * 1000);
    },
    async recordHistory(handle, name) {
      if (process.env.RECORD_HISTORIES !== '1') return;
      await recordHistory(name, await handle.fetchHistory());
    },
    control,
    paymentIntentsOf,
    async stripeRequestsOf({ bookingId, customerId, stripeCustomerId }) {
      const intents = (await paymentIntentsOf(bookingId)).map((intent) => intent.id);
      const named = stripeCustomerId ? [...intents, stripeCustomerId] : intents;
      const log = await control<{ data: RequestLogEntry[] }>('GET', '/_emulator/requests');
      return log.data
        .filter(
          ({ path, idempotencyKey }) =>
            idempotencyKey?.startsWith(`booking-${bookingId}:`) ||
            idempotencyKey?.startsWith(`customer-${customerId}:`) ||
            named.some((id) => path.includes(id)),
        )
        .map(({ method, path, status }) => `${method} ${path} ${status}`);
    },
    async stop() {
      worker.shutdown();
      await running;
      await db.end();
      await server.close();
      await env.teardown();
      await postgres.stop();
    },
  };
}

/**
 * Signals `count` distinct events that change nothing for a held booking (its PaymentIntent still
 * `requires_capture`), 100 at a time: more than one run keeps when `count` > CONTINUE_AS_NEW_AFTER_EVENTS.
 * Answers how many were sent.
 */
export async function floodWithUnchangedHoldEvents(
  handle: WorkflowHandle,
  paymentIntentId: string,
  count: number,
): Promise<number> {
  const flood = Array.from({ length: count }, (_, i) => ({
    eventId: `evt_flood_${i}`,
    type: 'payment_intent.amount_capturable_updated',
    created: 1,
    objectId: paymentIntentId,
    paymentIntentId,
    objectStatus: 'requires_capture',
    cancellationReason: null,
  }));
  for (let i = 0; i < flood.length; i += 100) {
    await Promise.all(flood.slice(i, i + 100).map((event) => handle.signal(stripeEventSignal, event)));
  }
  return flood.length;
}

/** A logger for the workflow bundler and replay workers: errors only, and warnings when asked. */
export function quietLogger({ warnings = false }: { warnings?: boolean } = {}) {
  const ignore = () => undefined;
  return {
    log: ignore,
    trace: ignore,
    debug: ignore,
    info: ignore,
    warn: warnings ? (message: string) => console.warn(message) : ignore,
    error: (message: string) => console.error(message),
  };
}
