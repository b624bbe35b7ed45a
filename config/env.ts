/**
 * Environment parsing for every process: each parses its environment once, with a zod schema,
 * into a typed config object, and fails at start naming the missing or bad variable.
 */
import { z } from 'zod';
import { parseCodecKeyring } from '../codec/payload-encryption-codec.js';
import {
  DEFAULT_BALANCE_REFRESH_TIMEOUT_SECONDS,
  DEFAULT_HOLD_POLICY,
  DEFAULT_PAYMENT_POLICY,
  DEFAULT_RENEWAL_MARGIN_SECONDS,
  HOLD_PLANS,
} from '../workflows/booking/contract.js';
import { DEFAULT_SETUP_POLICY } from '../workflows/setup/contract.js';
import {
  dataRetentionFloorSeconds,
  DEFAULT_DATA_RETENTION_SECONDS,
  DEFAULT_RECONCILIATION_SCHEDULE,
  MAX_RECONCILIATION_LOOKBACK_SECONDS,
} from '../workflows/reconciliation/contract.js';

/** Raised when the environment does not satisfy a process's schema; the message names each variable. */
export class ConfigError extends Error {
  constructor(processName: string, issues: string[]) {
    super(`${processName}: invalid environment:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().positive();
const url = z.string().url();
const secret = z.string().min(8, 'must be at least 8 characters');
/** One token, or several comma-separated while one is rotated (`old,new`); each at least 8 characters. */
const tokens = z
  .string()
  .refine(
    (value) => value.split(',').every((token) => token.trim().length >= 8),
    'must be one token or several comma-separated, each at least 8 characters',
  );
const DURATION_UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const toSeconds = (duration: string) => Number(duration.slice(0, -1)) * DURATION_UNIT_SECONDS[duration.slice(-1)];
/** A duration such as `90s`, `15m`, `1h` or `2d`, in seconds. */
const durationSeconds = z
  .string()
  .regex(/^[1-9]\d*[smhd]$/, 'must be a duration such as 90s, 15m, 1h or 2d')
  .transform(toSeconds);
/** A duration in seconds, or `off` (null). */
const durationSecondsOrOff = z
  .string()
  .regex(/^(off|[1-9]\d*[smhd])$/, 'must be off or a duration such as 90s, 15m, 1h or 2d')
  .transform((value) => (value === 'off' ? null : toSeconds(value)));

const temporalVars = {
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('booking-payments'),
  /** Temporal Cloud API key; implies TLS. */
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** mTLS client certificate and key (PEM file paths) for a self-hosted cluster or Cloud. */
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
};

/** Payload encryption, shared by every process that reads or writes workflow payloads. */
const codecVars = {
  /** Keys that seal and open workflow payloads: `id:base64key,…` (32-byte keys). Unset: payloads are plain. */
  PAYLOAD_CODEC_KEYS: z.string().min(1).optional(),
  /** Id of the key new payloads are sealed with; defaults to the last of PAYLOAD_CODEC_KEYS. */
  PAYLOAD_CODEC_KEY_ID: z.string().min(1).optional(),
};

/** Checks the codec keys without ever echoing them. */
function checkCodecKeys(
  env: { PAYLOAD_CODEC_KEYS?: string; PAYLOAD_CODEC_KEY_ID?: string },
  ctx: z.RefinementCtx,
): void {
  if (!env.PAYLOAD_CODEC_KEYS) {
    if (env.PAYLOAD_CODEC_KEY_ID)
      ctx.addIssue({ code: 'custom', path: ['PAYLOAD_CODEC_KEYS'], message: 'required with PAYLOAD_CODEC_KEY_ID' });
    return;
  }
  try {
    parseCodecKeyring(env.PAYLOAD_CODEC_KEYS, env.PAYLOAD_CODEC_KEY_ID);
  } catch (error) {
    ctx.addIssue({ code: 'custom', path: ['PAYLOAD_CODEC_KEYS'], message: (error as Error).message });
  }
}

/** `host:port` a server binds to, e.g. `0.0.0.0:9464` or `[::]:9464`. */
const bindAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464');

/** Trace exporters the OpenTelemetry Node SDK can build from `OTEL_TRACES_EXPORTER` with the installed packages. */
const TRACE_EXPORTERS = ['otlp', 'console', 'zipkin', 'none'];

/**
 * The standard OpenTelemetry variables that decide whether tracing starts (the SDK reads them, and the
 * other `OTEL_*` variables, itself): tracing is off unless an exporter or an OTLP endpoint is set.
 */
const otelVars = {
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).optional(),
  OTEL_TRACES_EXPORTER: z
    .string()
    .refine((value) => value.split(',').every((name) => TRACE_EXPORTERS.includes(name.trim())), {
      message: `must be a comma-separated list of ${TRACE_EXPORTERS.join(', ')}`,
    })
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
};

/** How long a Stripe request may take before the client gives up on it (the retry replays its idempotency key). */
export const DEFAULT_STRIPE_TIMEOUT_MS = 20_000;

const stripeVars = {
  STRIPE_SECRET_KEY: z.string().min(1),
  /** Base URL of a Stripe stand-in (the emulator or stripe-mock); unset means Stripe itself. */
  STRIPE_API_URL: url.optional(),
  /** Timeout of each Stripe request, in milliseconds. */
  STRIPE_TIMEOUT_MS: positiveInt.default(DEFAULT_STRIPE_TIMEOUT_MS),
};

const apiSchema = z
  .object({
    ...temporalVars,
    ...codecVars,
    /** Token the codec endpoint (/codec) requires (several, comma-separated, while one is rotated); unset, the API does not serve /codec. */
    CODEC_AUTH_TOKEN: tokens.optional(),
    /** Browser origins (the Temporal Web UI) allowed to call /codec, comma-separated. */
    CODEC_CORS_ORIGINS: z.string().default('http://localhost:8233'),
    /**
     * The API's Stripe calls: turning a bank account into a PaymentMethod before the workflow starts,
     * reading a SetupIntent's client secret, detaching a saved payment method.
     */
    ...stripeVars,
    DATABASE_URL: z.string().min(1),
    PORT: port.default(3000),
    /** The booking service's bearer token; several, comma-separated, while one is rotated. */
    API_TOKEN: tokens,
    STRIPE_WEBHOOK_SECRET: z.string().min(1),
    /** Largest request body accepted, in bytes. */
    MAX_BODY_BYTES: positiveInt.default(65536),
    /** How often the inbox relay looks for pending Stripe events, in milliseconds. */
    RELAY_INTERVAL_MS: positiveInt.default(1000),
    RELAY_BATCH_SIZE: positiveInt.default(50),
    /**
     * How long the relay holds back an event about a PaymentIntent its booking has not learned yet, in
     * milliseconds: the call that made it may be about to answer (inbox/relay-pass.ts). 0 signals at once.
     */
    RELAY_UNLEARNED_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(2000),
    /** Deadline for the API's Temporal calls (start, query, describe, signal), in milliseconds. */
    TEMPORAL_RPC_TIMEOUT_MS: positiveInt.default(10_000),
    /** How long the API waits for a cancel, payment-method or microdeposits update to complete, in milliseconds. */
    BOOKING_UPDATE_TIMEOUT_MS: positiveInt.default(30_000),
    /** Hold policy handed to every new booking (seconds). */
    HOLD_RELEASE_GRACE_SECONDS: z.coerce.number().int().min(0).default(DEFAULT_HOLD_POLICY.releaseGraceSeconds),
    HOLD_AUTHORIZATION_VALIDITY_SECONDS: positiveInt.default(DEFAULT_HOLD_POLICY.authorizationValiditySeconds),
    HOLD_RELEASE_SAFETY_MARGIN_SECONDS: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_HOLD_POLICY.releaseSafetyMarginSeconds),
    HOLD_CUSTOMER_ACTION_TIMEOUT_SECONDS: positiveInt.default(DEFAULT_HOLD_POLICY.customerActionTimeoutSeconds),
    HOLD_NEW_PAYMENT_METHOD_TIMEOUT_SECONDS: positiveInt.default(DEFAULT_HOLD_POLICY.newPaymentMethodTimeoutSeconds),
    /** The hold plan of a booking created without `holdPlan`. */
    HOLD_DEFAULT_PLAN: z.enum(HOLD_PLANS).default('auto'),
    /** Renewing plans place the next authorization this long before the current one lapses (seconds). */
    HOLD_RENEWAL_MARGIN_SECONDS: positiveInt.default(DEFAULT_RENEWAL_MARGIN_SECONDS),
    /** Ask Stripe for extended authorizations (IC+ pricing) and plan from what it grants: `true` or `false`. */
    HOLD_EXTENDED_AUTHORIZATION: z
      .enum(['true', 'false'])
      .default('false')
      .transform((value) => value === 'true'),
    /** Bank payment policy handed to every new booking with a payment (seconds, percent). */
    PAYMENT_PROCESSING_ALERT_SECONDS: positiveInt.default(DEFAULT_PAYMENT_POLICY.processingAlertSeconds),
    PAYMENT_DISPUTE_WINDOW_SECONDS: positiveInt.default(DEFAULT_PAYMENT_POLICY.disputeWindowSeconds),
    PAYMENT_REFUND_PERCENT: z.coerce.number().int().min(0).max(100).default(DEFAULT_PAYMENT_POLICY.refundPercent),
    PAYMENT_BALANCE_REFRESH_TIMEOUT_SECONDS: positiveInt.default(DEFAULT_BALANCE_REFRESH_TIMEOUT_SECONDS),
    /** How long a customer has to finish saving a payment method before its SetupIntent is cancelled (seconds). */
    SETUP_COMPLETION_TIMEOUT_SECONDS: positiveInt.default(DEFAULT_SETUP_POLICY.completionTimeoutSeconds),
    /** Bearer token `GET /metrics` requires (several, comma-separated, while one is rotated); unset leaves it open. */
    METRICS_TOKEN: tokens.optional(),
    ...otelVars,
  })
  .superRefine(checkCodecKeys);

/** Whole days, rounded up, for messages. */
const days = (seconds: number) => `${Math.ceil(seconds / 86_400)}d`;

/**
 * DATA_RETENTION may never drop an event Stripe could still redeliver (its id refuses the copy) or one the
 * reconciliation lists within RECONCILE_LOOKBACK (it would be stored and relayed again).
 */
function checkDataRetention(env: { DATA_RETENTION: number; RECONCILE_LOOKBACK: number }, ctx: z.RefinementCtx): void {
  const floor = dataRetentionFloorSeconds(env.RECONCILE_LOOKBACK);
  if (env.DATA_RETENTION >= floor) return;
  ctx.addIssue({
    code: 'custom',
    path: ['DATA_RETENTION'],
    message:
      `must be at least ${days(floor)} with RECONCILE_LOOKBACK=${days(env.RECONCILE_LOOKBACK)}: the longer of ` +
      `Stripe's 3-day webhook retries and the lookback, plus a 1d margin (the inbox de-duplicates events by id)`,
  });
}

const workerSchema = z
  .object({
    ...temporalVars,
    ...codecVars,
    ...stripeVars,
    DATABASE_URL: z.string().min(1),
    /** Booking service endpoint that receives signed notifications; unset records them only. */
    NOTIFY_CALLBACK_URL: url.optional(),
    /** HMAC-SHA256 key for the `Bookings-Signature` header on callbacks. */
    NOTIFY_SIGNING_SECRET: secret.optional(),
    /** How often the reconciliation Schedule runs, in seconds; `off` (null) pauses it. */
    RECONCILE_INTERVAL: durationSecondsOrOff.default(DEFAULT_RECONCILIATION_SCHEDULE.intervalSeconds),
    /** How far back each reconciliation compares Stripe's events with the inbox, in seconds (Stripe keeps 30 days). */
    RECONCILE_LOOKBACK: durationSeconds
      .refine(
        (seconds) => seconds <= MAX_RECONCILIATION_LOOKBACK_SECONDS,
        'must be at most 30d (Stripe keeps events 30 days)',
      )
      .default(DEFAULT_RECONCILIATION_SCHEDULE.lookbackSeconds),
    /**
     * How long settled inbox events and delivered notifications are kept before the reconciliation purges them
     * (docs/DATA-LIFECYCLE.md); never shorter than Stripe's retries and the lookback need (checked below).
     */
    DATA_RETENTION: durationSeconds.default(DEFAULT_DATA_RETENTION_SECONDS),
    /** Where the SDK's Prometheus exporter serves `/metrics` (runtime metrics and business counters). */
    WORKER_METRICS_ADDRESS: bindAddress.default('0.0.0.0:9464'),
    /** Where the worker answers `GET /healthz` (200 while it polls, 503 otherwise). */
    WORKER_HEALTH_ADDRESS: bindAddress.default('0.0.0.0:9465'),
    /** Lowest level of the worker's JSON log lines (the SDK's, the workflows' and the activities'). */
    WORKER_LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    /**
     * Most workflows the worker keeps in memory between tasks (about 0.4 MiB each, docs/bench/sleeping-bookings.md);
     * unset, the SDK's default for the heap limit. Evicted bookings are replayed from history at their next task.
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
    ...otelVars,
  })
  .refine((env) => !env.NOTIFY_CALLBACK_URL || env.NOTIFY_SIGNING_SECRET, {
    message: 'NOTIFY_SIGNING_SECRET is required when NOTIFY_CALLBACK_URL is set',
    path: ['NOTIFY_SIGNING_SECRET'],
  })
  .superRefine(checkDataRetention)
  .superRefine(checkCodecKeys);

/**
 * Shortest retention of closed workflows the namespace may have: a week, so an operator can still read a finished
 * booking's story (its history in the Web UI or the CLI) when the booking service or a customer asks about it after
 * a weekend or a holiday. Temporal itself accepts 1 day; Temporal Cloud at most 90.
 */
export const MIN_NAMESPACE_RETENTION_SECONDS = 7 * 86_400;
/** Namespace retention when TEMPORAL_NAMESPACE_RETENTION is unset: a month, as long as Stripe keeps events. */
export const DEFAULT_NAMESPACE_RETENTION_SECONDS = 30 * 86_400;

/** What the tools that create or update the namespace (dev/start.ts, dev/start-cluster.ts) read. */
const namespaceSchema = z.object({
  /** How long Temporal keeps a closed workflow's history before deleting it. */
  TEMPORAL_NAMESPACE_RETENTION: durationSeconds
    .refine(
      (seconds) => seconds >= MIN_NAMESPACE_RETENTION_SECONDS,
      `must be at least ${MIN_NAMESPACE_RETENTION_SECONDS / 86_400}d, long enough to read a finished booking's story`,
    )
    .default(DEFAULT_NAMESPACE_RETENTION_SECONDS),
});

/** Typed configuration of the API process. */
export type ApiConfig = z.infer<typeof apiSchema>;
/** Typed configuration of the worker process. */
export type WorkerConfig = z.infer<typeof workerSchema>;
/** The Temporal connection settings shared by API and worker. */
export type TemporalConfig = Pick<
  ApiConfig,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_TASK_QUEUE'
  | 'TEMPORAL_API_KEY'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
>;
/** The payload codec settings shared by API and worker. */
export type CodecConfig = Pick<WorkerConfig, 'PAYLOAD_CODEC_KEYS' | 'PAYLOAD_CODEC_KEY_ID'>;
/** The OpenTelemetry settings that decide whether a process traces. */
export type TracingConfig = Pick<
  ApiConfig,
  | 'OTEL_SDK_DISABLED'
  | 'OTEL_TRACES_EXPORTER'
  | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'
  | 'OTEL_SERVICE_NAME'
>;
/** The Stripe settings used by the worker's gateway and the API's PaymentMethod creation; the timeout defaults to 20 s. */
export type StripeConfig = Pick<WorkerConfig, 'STRIPE_SECRET_KEY' | 'STRIPE_API_URL'> &
  Partial<Pick<WorkerConfig, 'STRIPE_TIMEOUT_MS'>>;

/**
 * Parses `env` against `schema`, or throws a ConfigError naming every bad variable. A variable set
 * to the empty string counts as unset (as `${VAR:-}` in compose files leaves it).
 */
export function parseEnv<S extends z.ZodType>(processName: string, schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    processName,
    result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`),
  );
}

/** The API's configuration from the environment. */
export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return parseEnv('api', apiSchema, env);
}

/** The namespace's workflow retention, in seconds, from TEMPORAL_NAMESPACE_RETENTION. */
export function loadNamespaceRetention(env: NodeJS.ProcessEnv = process.env): number {
  return parseEnv('namespace', namespaceSchema, env).TEMPORAL_NAMESPACE_RETENTION;
}

/** The worker's configuration from the environment. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return parseEnv('worker', workerSchema, env);
}
