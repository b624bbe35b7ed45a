/** The benchmark's settings, parsed once from the environment with zod. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** A setting or a stack the bench cannot run with: said in one line, without a stack trace. */
export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where `npm start` keeps its generated secrets (dev/start.ts). */
const DEV_SETTINGS_FILE = path.join(ROOT, '.data', 'dev-settings.json');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  /** Highest concurrency tried; steps double from 1 until throughput stops rising or this is reached. */
  BENCH_MAX_CONCURRENCY: positiveInt(32),
  /** Bookings per concurrency step = concurrency × rounds, at least BENCH_MIN_BOOKINGS_PER_STEP. */
  BENCH_ROUNDS: positiveInt(4),
  BENCH_MIN_BOOKINGS_PER_STEP: positiveInt(20),
  /** Open, sleeping bookings on the one worker for the memory figure (the issue asks for 10,000). */
  BENCH_SLEEPING_BOOKINGS: positiveInt(1_000),
  BENCH_WEBHOOK_EVENTS: positiveInt(3_000),
  BENCH_WEBHOOK_CONCURRENCY: positiveInt(32),
  /** 3-D Secure bookings timed from webhook to state change. */
  BENCH_3DS_BOOKINGS: positiveInt(20),
  /**
   * The stacks the bench starts, one after the other, compared side by side in one report: `dev`
   * (the Temporal dev server, one API, one worker) and `cluster` (Temporal's four services on
   * PostgreSQL, two APIs, two workers). Ignored with BENCH_API_URL, which drives a running stack.
   */
  BENCH_TARGETS: z
    .string()
    .default('dev,cluster')
    .transform((list) => list.split(',').map((name) => name.trim()))
    .pipe(z.array(z.enum(['dev', 'cluster'])).min(1)),
  /** Where the report and its charts go. */
  BENCH_OUTPUT: z.string().min(1).default('BENCHMARKS.md'),
  BENCH_CHART_DIR: z.string().min(1).default('docs/bench'),
  /** Set: drive the stack already running behind this API (e.g. `npm start`) instead of starting one. */
  BENCH_API_URL: z.url().optional(),
});

/** The reused stack's parts; defaults (filled in by loadBenchConfig) are what `npm start` uses. */
const reuseSchema = z.object({
  BENCH_API_URL: z.url().transform((url) => url.replace(/\/+$/, '')),
  BENCH_API_TOKEN: z.string().min(1),
  BENCH_TEMPORAL_ADDRESS: z.string().min(1),
  BENCH_TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  BENCH_DATABASE_URL: z.string().min(1),
  /** The Stripe emulator the stack's API and worker call; its control API (`/_emulator/…`) must answer. */
  BENCH_STRIPE_API_URL: z.url().transform((url) => url.replace(/\/+$/, '')),
  BENCH_STRIPE_WEBHOOK_SECRET: z.string().min(1),
  BENCH_PAYLOAD_CODEC_KEYS: z.string().min(1),
  /** The booking worker's health endpoint (`host:port`): its port finds the worker's process for memory and CPU. */
  BENCH_WORKER_HEALTH_ADDRESS: z.string().regex(/^[^:]+:\d+$/, 'must be host:port'),
  /** The API's METRICS_TOKEN when it sets one: /metrics gives the Temporal queries it sent, billed as actions. */
  BENCH_METRICS_TOKEN: z.string().min(1).optional(),
});

/** The benchmark's scale, output and (when reusing) which stack's API it drives. */
type ScaleConfig = z.infer<typeof schema>;

/** How to reach a running stack; secrets included, so never printed whole. */
export type ReusedStackSettings = {
  apiUrl: string;
  apiToken: string;
  temporalAddress: string;
  temporalNamespace: string;
  databaseUrl: string;
  stripeApiUrl: string;
  webhookSecret: string;
  payloadCodecKeys: string;
  workerHealthAddress: string;
  metricsToken?: string;
};

/** Parsed benchmark settings: `reuse` is null when the bench starts its own stack. */
export type BenchConfig = Omit<ScaleConfig, 'BENCH_API_URL'> & { reuse: ReusedStackSettings | null };

/** BENCH_ variables whose values are secrets: printed as `***` in the report. */
export const SECRET_BENCH_VARIABLES: ReadonlySet<string> = new Set([
  'BENCH_API_TOKEN',
  'BENCH_DATABASE_URL',
  'BENCH_STRIPE_WEBHOOK_SECRET',
  'BENCH_PAYLOAD_CODEC_KEYS',
  'BENCH_METRICS_TOKEN',
]);

/** `npm start`'s own port variables, which a reused stack's default addresses follow. */
export const DEV_PORT_VARIABLES: readonly string[] = [
  'DEV_TEMPORAL_PORT',
  'DEV_POSTGRES_PORT',
  'STRIPE_EMULATOR_PORT',
  'WORKER_HEALTH_ADDRESS',
];

/** The part of `npm start`'s `.data/dev-settings.json` a reused stack's defaults come from. */
interface DevSettings {
  apiToken?: string;
  stripeWebhookSecret?: string;
  postgresPassword?: string;
  payloadCodecKeys?: string;
}

function readDevSettings(file: string): DevSettings {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DevSettings) : {};
}

function problemsOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
}

/** A port `npm start` reads from `name` (dev/start.ts), or its default. */
function devPort(env: NodeJS.ProcessEnv, name: string, fallback: number): string {
  return env[name] || String(fallback);
}

/**
 * Parses the benchmark settings; an empty value counts as unset. With BENCH_API_URL set, the
 * reused stack's secrets default to `npm start`'s (`devSettingsFile`, read only then) and its
 * addresses to `npm start`'s ports: the same variables it reads (DEV_TEMPORAL_PORT,
 * DEV_POSTGRES_PORT, STRIPE_EMULATOR_PORT, WORKER_HEALTH_ADDRESS) or their defaults. Throws naming
 * a bad or missing variable.
 */
export function loadBenchConfig(
  env: NodeJS.ProcessEnv = process.env,
  devSettingsFile = DEV_SETTINGS_FILE,
): BenchConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => key.startsWith('BENCH_') && value !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) throw new BenchSetupError(`bad benchmark setting: ${problemsOf(parsed.error)}`);
  const { BENCH_API_URL, ...scale } = parsed.data;
  if (!BENCH_API_URL) return { ...scale, reuse: null };

  const dev = readDevSettings(devSettingsFile);
  const postgresPassword = dev.postgresPassword && encodeURIComponent(dev.postgresPassword);
  const workerHealthPort = (env.WORKER_HEALTH_ADDRESS || '0.0.0.0:9465').split(':').at(-1);
  const reuse = reuseSchema.safeParse({
    BENCH_API_TOKEN: dev.apiToken,
    BENCH_TEMPORAL_ADDRESS: `127.0.0.1:${devPort(env, 'DEV_TEMPORAL_PORT', 7233)}`,
    BENCH_DATABASE_URL:
      postgresPassword &&
      `postgres://postgres:${postgresPassword}@127.0.0.1:${devPort(env, 'DEV_POSTGRES_PORT', 5433)}/bookings`,
    BENCH_STRIPE_API_URL: `http://127.0.0.1:${devPort(env, 'STRIPE_EMULATOR_PORT', 12111)}`,
    BENCH_WORKER_HEALTH_ADDRESS: `127.0.0.1:${workerHealthPort}`,
    BENCH_STRIPE_WEBHOOK_SECRET: dev.stripeWebhookSecret,
    BENCH_PAYLOAD_CODEC_KEYS: dev.payloadCodecKeys,
    ...present,
  });
  if (!reuse.success) {
    throw new BenchSetupError(
      `bad benchmark setting for the reused stack at ${BENCH_API_URL}: ${problemsOf(reuse.error)} ` +
        `(secrets default to ${path.relative(process.cwd(), devSettingsFile) || devSettingsFile}, written by \`npm start\`)`,
    );
  }
  const settings = reuse.data;
  return {
    ...scale,
    reuse: {
      apiUrl: settings.BENCH_API_URL,
      apiToken: settings.BENCH_API_TOKEN,
      temporalAddress: settings.BENCH_TEMPORAL_ADDRESS,
      temporalNamespace: settings.BENCH_TEMPORAL_NAMESPACE,
      databaseUrl: settings.BENCH_DATABASE_URL,
      stripeApiUrl: settings.BENCH_STRIPE_API_URL,
      webhookSecret: settings.BENCH_STRIPE_WEBHOOK_SECRET,
      payloadCodecKeys: settings.BENCH_PAYLOAD_CODEC_KEYS,
      workerHealthAddress: settings.BENCH_WORKER_HEALTH_ADDRESS,
      metricsToken: settings.BENCH_METRICS_TOKEN,
    },
  };
}
