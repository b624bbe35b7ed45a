/**
 * The local Stripe emulator: a Hono app speaking Stripe's HTTP API (card holds, ACH direct debits, saved
 * payment methods) with a control API for tests, built by a factory so tests run it in-process.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { DEFAULT_ACH_TIMINGS, type AchTimings } from './bank-debits/ach-timings.js';
import { advanceBankDebits } from './bank-debits/settle-bank-debit.js';
import { advanceBalanceRefreshes } from './bank-debits/balance-refresh.js';
import { expireMicrodeposits } from './bank-debits/verify-microdeposits.js';
import { createEmulatorClock, type EmulatorClock } from './clock.js';
import { ControlError, controlErrorResponse } from './control/control-error.js';
import { controlRoutes } from './control/control-routes.js';
import type { EmulatorControls } from './control/emulator-controls.js';
import { createEventRecorder } from './event-recorder.js';
import { FaultInjector } from './faults.js';
import { IdempotencyStore } from './idempotency.js';
import { apiKeyAuth } from './middleware/api-key-auth.js';
import { answerStall } from './middleware/answer-stall.js';
import { faultInjection } from './middleware/fault-injection.js';
import { formParams } from './middleware/form-params.js';
import { idempotencyKeys } from './middleware/idempotency-keys.js';
import { injectedLatency, latencyBeforeWork } from './middleware/injected-latency.js';
import { publishableKeyScope } from './middleware/publishable-key-scope.js';
import { requestContext } from './middleware/request-context.js';
import { stateChanges } from './middleware/state-changes.js';
import type { MerchantCategory } from './payments/authorization-validity.js';
import { DEFAULT_FAILED_CONFIRMATION_LIMIT } from './payments/confirmation-limit.js';
import { expireAuthorizations } from './payments/expire-authorizations.js';
import { THREE_D_SECURE_CHALLENGE_PATH } from './payments/three-d-secure-challenge-url.js';
import { captureEmulatorState, restoreEmulatorState, type DurableParts } from './persistence/emulator-state.js';
import { readStateFile } from './persistence/state-file.js';
import { createStateSaver, type StateSaver } from './persistence/state-saver.js';
import { RequestLog } from './request-log.js';
import { disputeRoutes, mandateRoutes } from './routes/bank-debit-object-routes.js';
import { chargeRoutes } from './routes/charge-routes.js';
import { customerRoutes } from './routes/customer-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { financialConnectionsRoutes } from './routes/financial-connections-routes.js';
import { paymentIntentRoutes } from './routes/payment-intent-routes.js';
import { paymentMethodRoutes } from './routes/payment-method-routes.js';
import { refundRoutes } from './routes/refund-routes.js';
import { setupIntentRoutes } from './routes/setup-intent-routes.js';
import { threeDSecureChallengeRoutes } from './routes/three-d-secure-challenge-routes.js';
import { stripeJson } from './routes/stripe-json.js';
import type { EmulatorRuntime } from './runtime.js';
import { expireSetupMicrodeposits } from './setup-intents/verify-setup-microdeposits.js';
import type { StripeApiEnv } from './stripe-api-env.js';
import { EmulatorStore } from './store.js';
import { StripeApiError, apiError, errorResponseBody, unrecognizedRequestUrl } from './stripe-errors.js';
import { WebhookDispatcher, type WebhookRetryPolicy } from './webhooks/webhook-dispatcher.js';

/** How to build an emulator. */
export interface StripeEmulatorOptions {
  /** Secret used to sign webhooks (`whsec_…`), shared with the receiver. */
  webhookSecret: string;
  /** Where events are POSTed; without it events are only recorded. */
  webhookUrl?: string;
  /** Webhook retry policy; defaults to 1 s doubling without a cap, 6 attempts. */
  webhookRetry?: Partial<WebhookRetryPolicy>;
  /** Shorthand for `webhookRetry.baseDelayMs`. */
  webhookRetryBaseMs?: number;
  /** Per-attempt webhook timeout (ms); default 10 s. */
  webhookTimeoutMs?: number;
  /** Only these API keys pass; by default any `sk_test_…` / `rk_test_…` key does. */
  apiKeys?: readonly string[];
  /** Emulator clock; a fresh real-time clock by default. */
  clock?: EmulatorClock;
  /** Randomness for rate-based faults (tests can make it deterministic). */
  random?: () => number;
  /** Operational log lines (never secrets, keys or bodies); silent by default. */
  log?: (line: string) => void;
  /**
   * JSON file that keeps the Stripe state across restarts: loaded here if it exists (a file it
   * cannot use throws StateFileError), saved after changes and on `close()`. Unset: memory only.
   */
  stateFile?: string;
  /** Seconds from `processing` to settlement of a bank debit; default 4 business days on the emulator clock. */
  achSettlementSeconds?: number;
  /** Seconds after entering `processing` during which a bank debit can still be canceled; default 3600. */
  achCancelWindowSeconds?: number;
  /** Seconds from the dispute test account's settlement to its dispute; default 1 day. */
  achDisputeDelaySeconds?: number;
  /** Seconds for a bank refund to reach the customer's bank (and get its reference); default 1 business day. */
  achRefundSeconds?: number;
  /** What the microdeposits carry: a descriptor code (Stripe's default) or two amounts. */
  achMicrodepositType?: AchTimings['microdepositType'];
  /** Failed confirmations after which Stripe cancels a PaymentIntent (a positive integer); default 5. */
  failedConfirmationLimit?: number;
  /** Seconds from a Financial Connections balance refresh to its completion (and event); default 30. */
  balanceRefreshSeconds?: number;
  /** The account's merchant category, for extended authorizations; default `general` (only Mastercard extends). */
  merchantCategory?: MerchantCategory;
}

/** A running HTTP listener. */
export interface EmulatorListener {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An emulator instance: its Hono app, its internals for in-process tests, and a way to serve it. */
export interface StripeEmulator extends EmulatorControls {
  app: Hono;
  /** Serves the app on `port` (0 for a free port) of `hostname` (default 127.0.0.1). */
  listen(port?: number, hostname?: string): Promise<EmulatorListener>;
  /** Stops webhook delivery and writes the state file, if any (listeners are closed through their own `close`). */
  close(): Promise<void>;
}

const DEFAULT_RETRY: WebhookRetryPolicy = { baseDelayMs: 1000, maxAttempts: 6 };

/** Builds a Stripe emulator. */
export function createStripeEmulator(options: StripeEmulatorOptions): StripeEmulator {
  const log = options.log ?? (() => undefined);
  const clock = options.clock ?? createEmulatorClock();
  const store = new EmulatorStore();
  const faults = new FaultInjector(options.random);
  const idempotency = new IdempotencyStore(clock);
  const requestLog = new RequestLog();
  // Assigned below, once the parts it saves exist; webhook attempts only report changes later.
  let saver: StateSaver | undefined;
  const stateChanged = (): void => saver?.changed();
  const webhooks = new WebhookDispatcher({
    url: options.webhookUrl,
    secret: options.webhookSecret,
    retry: {
      ...DEFAULT_RETRY,
      ...(options.webhookRetryBaseMs !== undefined ? { baseDelayMs: options.webhookRetryBaseMs } : {}),
      ...options.webhookRetry,
    },
    timeoutMs: options.webhookTimeoutMs ?? 10_000,
    faults,
    log,
    onDelivered: (eventId) => {
      const event = store.eventsById.get(eventId);
      if (event) event.pending_webhooks = Math.max(0, event.pending_webhooks - 1);
    },
    onChange: stateChanged,
  });
  const ach: AchTimings = {
    settlementSeconds: options.achSettlementSeconds,
    cancelWindowSeconds: options.achCancelWindowSeconds ?? DEFAULT_ACH_TIMINGS.cancelWindowSeconds,
    disputeDelaySeconds: options.achDisputeDelaySeconds ?? DEFAULT_ACH_TIMINGS.disputeDelaySeconds,
    refundSeconds: options.achRefundSeconds,
    microdepositType: options.achMicrodepositType ?? DEFAULT_ACH_TIMINGS.microdepositType,
    balanceRefreshSeconds: options.balanceRefreshSeconds ?? DEFAULT_ACH_TIMINGS.balanceRefreshSeconds,
  };
  const failedConfirmationLimit = options.failedConfirmationLimit ?? DEFAULT_FAILED_CONFIRMATION_LIMIT;
  if (!Number.isInteger(failedConfirmationLimit) || failedConfirmationLimit < 1) {
    throw new RangeError(`failedConfirmationLimit must be a positive integer, not ${failedConfirmationLimit}`);
  }
  const runtime: EmulatorRuntime = {
    store,
    clock,
    events: createEventRecorder(store, clock, webhooks),
    ach,
    failedConfirmationLimit,
    merchantCategory: options.merchantCategory ?? 'general',
  };

  if (options.stateFile) {
    const durable: DurableParts = { store, clock, idempotency, webhooks };
    const saved = readStateFile(options.stateFile);
    if (saved) restoreEmulatorState(durable, saved);
    log(
      saved
        ? `stripe emulator: state loaded from ${options.stateFile} (${saved.paymentIntents.length} PaymentIntents, ${saved.events.length} events)`
        : `stripe emulator: no state in ${options.stateFile} yet, starting empty`,
    );
    saver = createStateSaver({ file: options.stateFile, capture: () => captureEmulatorState(durable), log });
  }

  const catchUp = (): string[] => {
    idempotency.forgetExpired();
    const expired = expireAuthorizations(runtime);
    const timedOut = [...expireMicrodeposits(runtime), ...expireSetupMicrodeposits(runtime)];
    const bankSteps = advanceBankDebits(runtime) + advanceBalanceRefreshes(runtime);
    // Reads can expire authorizations or settle debits too, so they are saved like any other change.
    if (expired.length > 0 || timedOut.length > 0 || bankSteps > 0) stateChanged();
    return expired;
  };
  const reset = (): void => {
    faults.clear();
    webhooks.reset();
    store.clear();
    idempotency.clear();
    requestLog.clear();
    clock.reset();
    runtime.merchantCategory = options.merchantCategory ?? 'general';
  };
  const controls: EmulatorControls = { runtime, faults, idempotency, requestLog, webhooks, catchUp, reset };

  const stripeApi = new Hono<StripeApiEnv>();
  stripeApi.use(
    '*',
    requestContext({ clock, requestLog, catchUp }),
    apiKeyAuth(options.apiKeys),
    formParams(),
    publishableKeyScope(runtime),
    answerStall(faults),
    injectedLatency(faults),
    idempotencyKeys(idempotency),
    // Inside the key: a 5xx "after" the work is the result Stripe saves and replays under the key.
    faultInjection(faults),
    latencyBeforeWork(),
  );
  stripeApi.route('/customers', customerRoutes(runtime));
  stripeApi.route('/payment_intents', paymentIntentRoutes(runtime));
  stripeApi.route('/payment_methods', paymentMethodRoutes(runtime));
  stripeApi.route('/setup_intents', setupIntentRoutes(runtime));
  stripeApi.route('/charges', chargeRoutes(runtime));
  stripeApi.route('/events', eventRoutes(runtime));
  stripeApi.route('/refunds', refundRoutes(runtime));
  stripeApi.route('/mandates', mandateRoutes(runtime));
  stripeApi.route('/disputes', disputeRoutes(runtime));
  stripeApi.route('/financial_connections', financialConnectionsRoutes(runtime));

  const app = new Hono();
  if (saver) app.use('*', stateChanges(stateChanged));
  app.route('/v1', stripeApi);
  // Stands in for hooks.stripe.com: the 3-D Secure page Stripe.js opens from a PaymentIntent's next action.
  app.route(THREE_D_SECURE_CHALLENGE_PATH, threeDSecureChallengeRoutes(runtime));
  app.route('/_emulator', controlRoutes(controls));
  app.notFound((c) => stripeJson(c, errorResponseBody(unrecognizedRequestUrl(c.req.method, c.req.path)), 404));
  app.onError((error, c) => {
    if (error instanceof StripeApiError) return stripeJson(c, errorResponseBody(error), error.httpStatus as 400);
    if (error instanceof ControlError) return controlErrorResponse(c, error);
    log(`emulator: unexpected ${error.name} on ${c.req.method} ${c.req.path}: ${error.message}`);
    if (c.req.path.startsWith('/_emulator')) {
      return controlErrorResponse(c, new ControlError(500, 'internal', 'internal emulator error'));
    }
    return stripeJson(c, errorResponseBody(apiError(500)), 500);
  });

  return {
    ...controls,
    app,
    listen(port = 0, hostname = '127.0.0.1') {
      return new Promise((resolve) => {
        const server = serve({ fetch: app.fetch, port, hostname }, (info: AddressInfo) => {
          resolve({
            url: `http://${hostname}:${info.port}`,
            port: info.port,
            close: () =>
              new Promise<void>((done) => {
                server.closeAllConnections();
                server.close(() => done());
              }),
          });
        }) as Server;
        // Idle connections outlive a client's own keep-alive (undici: 4 s), so the client closes
        // them first and never sends a request on a socket the server is closing (ECONNRESET).
        server.keepAliveTimeout = 65_000;
      });
    },
    async close() {
      await webhooks.close();
      await saver?.close();
    },
  };
}
