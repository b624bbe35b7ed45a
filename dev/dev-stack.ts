/**
 * What `npm start` (dev/start.ts) and `npm run start:cluster` (dev/start-cluster.ts) share: the
 * dev settings kept in `.data/dev-settings.json`, the list of started pieces stopped in reverse
 * order, watched children whose death stops the stack, Ctrl-C handling and the closing banner.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeExit, startChild, type ManagedChild } from './child-process.js';
import { maskPassword } from './embedded-postgres.js';
import { generateCodecKey } from '../codec/payload-encryption-codec.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DATA_DIR = path.join(ROOT, '.data');
const SETTINGS_FILE = path.join(DATA_DIR, 'dev-settings.json');
/** The emulator's Stripe state, so PaymentIntents of open bookings outlive a restart. */
export const EMULATOR_STATE_FILE = path.join(DATA_DIR, 'stripe-emulator.json');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const EMULATOR_KEY_PREFIX = 'sk_test_emulator_';

/** Dev-only values generated once and reused, so a restart keeps the same API token. */
export interface DevSettings {
  apiToken: string;
  stripeWebhookSecret: string;
  notifySigningSecret: string;
  stripeSecretKey: string;
  postgresPassword: string;
  /** Payload encryption key of the dev stack (kept so .data/temporal.db stays readable). */
  payloadCodecKeys: string;
  /** Token of the API's codec endpoint, which the dev Web UI carries in its codec endpoint's path. */
  codecAuthToken: string;
}

/** A started piece of the stack, stopped in reverse start order. */
export interface RunningPiece {
  name: string;
  stop(): Promise<void>;
}

const env = process.env;
/** Started pieces, in start order; callers may push and reorder. */
export const running: RunningPiece[] = [];
let shuttingDown = false;
let reportFailure: (error: Error) => void = () => undefined;
/** Rejects as soon as any started piece dies on its own; start-up waits race against it. */
export const unexpectedExit = new Promise<never>((_, reject) => {
  reportFailure = reject;
});
unexpectedExit.catch(() => undefined); // observed by the races below and by runStack()

export function log(message: string): void {
  console.log(`[start] ${message}`);
}

export function generated(bytes = 24): string {
  return randomBytes(bytes).toString('hex');
}

/** Reads `.data/dev-settings.json`, fills in whatever is missing and writes it back (mode 600). */
export function loadDevSettings(): DevSettings {
  const stored: Partial<DevSettings> = existsSync(SETTINGS_FILE)
    ? (JSON.parse(readFileSync(SETTINGS_FILE, 'utf8')) as Partial<DevSettings>)
    : {};
  const settings: DevSettings = {
    apiToken: stored.apiToken ?? `dev_${generated()}`,
    stripeWebhookSecret: stored.stripeWebhookSecret ?? `whsec_${generated()}`,
    notifySigningSecret: stored.notifySigningSecret ?? generated(),
    stripeSecretKey: stored.stripeSecretKey ?? `${EMULATOR_KEY_PREFIX}${generated(12)}`,
    postgresPassword: stored.postgresPassword ?? generated(16),
    payloadCodecKeys: stored.payloadCodecKeys ?? `dev-1:${generateCodecKey()}`,
    codecAuthToken: stored.codecAuthToken ?? `codec_${generated()}`,
  };
  if (JSON.stringify(stored) !== JSON.stringify(settings)) {
    writeFileSync(SETTINGS_FILE, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  }
  return settings;
}

export function portFrom(name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return port;
}

/** Watches a child so that its death outside a shutdown stops the whole stack. */
export function watch(child: ManagedChild): void {
  void child.exited.then((exit) => {
    if (!shuttingDown) {
      reportFailure(
        new Error(`${child.name} exited unexpectedly (${describeExit(exit)}); last output:\n${child.recentOutput()}`),
      );
    }
  });
}

/** Starts a watched child, stopped with SIGTERM in reverse order. */
export function startPiece(spec: Parameters<typeof startChild>[0], stopTimeoutMs = 30_000): ManagedChild {
  const child = startChild({ cwd: ROOT, ...spec });
  watch(child);
  running.push({ name: spec.name, stop: () => child.stop({ timeoutMs: stopTimeoutMs }).then(() => undefined) });
  return child;
}

/** Runs a TypeScript entry file with tsx as a watched child with the given environment. */
export function startEntry(name: string, entry: string, childEnv: NodeJS.ProcessEnv): ManagedChild {
  return startPiece({ name, command: TSX, args: [entry], env: childEnv });
}

export async function waitUntil(description: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const poll = async (): Promise<void> => {
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`${description} did not come up within ${timeoutMs / 1000} s`);
  };
  await Promise.race([poll(), unexpectedExit]);
}

async function stopAll(): Promise<void> {
  shuttingDown = true;
  for (const piece of [...running].reverse()) {
    log(`stopping ${piece.name}...`);
    try {
      await piece.stop();
    } catch (error) {
      log(`could not stop ${piece.name} cleanly: ${String(error)}`);
    }
  }
  running.length = 0;
}

/**
 * Runs `main` (which starts the pieces), then keeps the stack up until a signal or a dying piece.
 * On failure stops what was started and exits 1.
 */
export async function runStack(main: () => Promise<void>): Promise<void> {
  // One Ctrl-C reaches this process several times (the terminal, npm and tsx each pass it on);
  // only a signal well after the first one means "stop waiting and kill everything".
  let firstSignalAt: number | undefined;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (firstSignalAt !== undefined) {
        if (Date.now() - firstSignalAt < 2_000) return;
        log('second signal: killing everything now');
        process.exit(130); // child-process's exit hook kills the remaining process groups
      }
      firstSignalAt = Date.now();
      log(`${signal}: shutting down (press Ctrl-C again to kill at once)`);
      void stopAll().then(() => process.exit(0));
    });
  }

  try {
    await Promise.race([main(), unexpectedExit]);
    // Up and running: from here on only a dying child or a signal ends the stack.
    await unexpectedExit;
  } catch (error) {
    if (!shuttingDown) {
      console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
      await stopAll();
      process.exit(1);
    }
  }
}

export function printBanner(info: {
  temporalAddress: string;
  temporalUi: string | undefined;
  apiUrl: string | undefined;
  /** Further API processes of the same stack. */
  moreApiUrls?: string[];
  databaseUrl: string;
  stripe: string;
  apiToken: string;
  webhookSecret: string;
  codecAuthToken: string;
  observability?: string;
  missing: string[];
  /** What Ctrl-C leaves behind, e.g. `.data/ for the next \`npm start\``. */
  persists?: string;
}): void {
  const startsAt = new Date(Date.now() + 3600_000);
  startsAt.setUTCSeconds(0, 0);
  const endsAt = new Date(startsAt.getTime() + 2 * 3600_000);
  const bookingId = `demo-${randomBytes(4).toString('hex')}`;
  const body = JSON.stringify({
    bookingId,
    customer: { id: 'cus-demo', email: 'demo@example.com', name: 'Demo Customer' },
    holdPaymentMethod: 'pm_card_visa',
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
  });
  const api = info.apiUrl ?? 'http://localhost:3000';
  const lines = [
    '',
    '──────────────── booking payments: dev stack is up ────────────────',
    `  Temporal gRPC   ${info.temporalAddress}`,
    `  Temporal Web UI ${info.temporalUi ?? '(external cluster: see its own UI)'}`,
    `  API             ${info.apiUrl ?? 'NOT running (api/main.ts missing)'}`,
    ...(info.moreApiUrls ?? []).map((url) => `  API             ${url}`),
    `  PostgreSQL      ${maskPassword(info.databaseUrl)}`,
    `  Stripe          ${info.stripe}`,
    `  API token       ${info.apiToken}`,
    `  Webhook secret  ${info.webhookSecret}`,
    `  Codec token     ${info.codecAuthToken} (CLI: --codec-endpoint ${api}/codec --codec-auth 'Bearer <token>')`,
    ...(info.observability ? [`  Metrics         ${info.observability}`] : []),
    ...(info.missing.length ? [`  NOT STARTED     ${info.missing.join(', ')} (entry files missing)`] : []),
    '',
    '  Create a booking:',
    `    curl -sS -X POST ${api}/v1/bookings \\`,
    `      -H 'Authorization: Bearer ${info.apiToken}' -H 'Content-Type: application/json' \\`,
    `      -d '${body}'`,
    '  Read it back:',
    `    curl -sS ${api}/v1/bookings/${bookingId} -H 'Authorization: Bearer ${info.apiToken}'`,
    '',
    `  Ctrl-C stops everything; state persists in ${info.persists ?? '.data/ for the next `npm start`'}.`,
    '────────────────────────────────────────────────────────────────────',
    '',
  ];
  console.log(lines.join('\n'));
}
