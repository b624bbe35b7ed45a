/**
 * `npm start`: the whole system on embedded defaults. Starts, in order, a Temporal dev server
 * (state in `.data/temporal.db`, Web UI on :8233), embedded PostgreSQL (`.data/postgres`), the
 * Stripe emulator (state in `.data/stripe-emulator.json`), the worker and the API; prints where
 * everything is and a curl that creates a booking. Each piece already configured in the
 * environment (TEMPORAL_ADDRESS, DATABASE_URL, STRIPE_API_URL or a real STRIPE_SECRET_KEY) is used
 * instead of being started. Ctrl-C stops it all in reverse order; a piece dying on its own stops
 * the rest and exits non-zero. Running it again resumes open bookings from the persisted state.
 */
import { isPortOpen } from './port-check.js';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  DATA_DIR,
  EMULATOR_STATE_FILE,
  ROOT,
  log,
  loadDevSettings,
  portFrom,
  printBanner,
  runStack,
  running,
  startEntry,
  unexpectedExit,
  waitUntil,
  watch,
} from './dev-stack.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { startTemporalDevServer } from './temporal-dev-server.js';
import { tokenList } from '../config/bearer-tokens.js';
import { loadNamespaceRetention } from '../config/env.js';

const env = process.env;

async function main(): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const settings = loadDevSettings();

  const apiPort = portFrom('PORT', 3000);
  const temporalPort = portFrom('DEV_TEMPORAL_PORT', 7233);
  const temporalUiPort = portFrom('DEV_TEMPORAL_UI_PORT', 8233);
  const postgresPort = portFrom('DEV_POSTGRES_PORT', 5433);
  const emulatorPort = portFrom('STRIPE_EMULATOR_PORT', 12111);
  const emulatorStateFile = env.STRIPE_EMULATOR_STATE_FILE || EMULATOR_STATE_FILE;
  // The worker binds these itself (worker/main.ts); they are read here only to check and print them.
  const workerMetricsPort = Number((env.WORKER_METRICS_ADDRESS || '0.0.0.0:9464').split(':').at(-1));
  const workerHealthPort = Number((env.WORKER_HEALTH_ADDRESS || '0.0.0.0:9465').split(':').at(-1));
  const namespace = env.TEMPORAL_NAMESPACE || 'default';
  // Checked before anything starts: a retention too short to read a finished booking's story is refused.
  const namespaceRetentionSeconds = loadNamespaceRetention(env);
  const codecAuthToken = env.CODEC_AUTH_TOKEN || settings.codecAuthToken;

  const givenKey = env.STRIPE_SECRET_KEY;
  if (givenKey?.startsWith('sk_live_')) {
    throw new Error(
      'STRIPE_SECRET_KEY is a live key; `npm start` is a development stack and only accepts sk_test_ keys',
    );
  }
  const realStripe = !env.STRIPE_API_URL && !!givenKey && givenKey !== settings.stripeSecretKey;
  const useEmulator = !env.STRIPE_API_URL && !realStripe;
  const runTemporal = !env.TEMPORAL_ADDRESS;
  const runPostgres = !env.DATABASE_URL;

  const entries = [
    { name: 'emulator', file: 'emulator/main.ts', wanted: useEmulator },
    { name: 'worker', file: 'worker/main.ts', wanted: true },
    { name: 'api', file: 'api/main.ts', wanted: true },
  ];
  const missing = entries.filter((entry) => entry.wanted && !existsSync(path.join(ROOT, entry.file)));
  for (const entry of missing) {
    log(`✗ ${entry.name}: entry file ${entry.file} does not exist yet — the ${entry.name} will NOT be started`);
  }
  const present = (name: string) =>
    entries.some((entry) => entry.name === name && entry.wanted && !missing.includes(entry));

  const ports: [number, string, boolean][] = [
    [temporalPort, 'Temporal gRPC (set TEMPORAL_ADDRESS to use a running server)', runTemporal],
    [temporalUiPort, 'Temporal Web UI (DEV_TEMPORAL_UI_PORT)', runTemporal],
    [postgresPort, 'PostgreSQL (set DATABASE_URL or DEV_POSTGRES_PORT)', runPostgres],
    [emulatorPort, 'Stripe emulator (STRIPE_EMULATOR_PORT)', present('emulator')],
    [apiPort, 'API (PORT)', present('api')],
    [workerMetricsPort, 'worker metrics (WORKER_METRICS_ADDRESS)', present('worker')],
    [workerHealthPort, 'worker health (WORKER_HEALTH_ADDRESS)', present('worker')],
  ];
  for (const [port, what, needed] of ports) {
    if (needed && (await isPortOpen(port))) {
      throw new Error(`port ${port} for ${what} is already in use — is another \`npm start\` running?`);
    }
  }

  // Temporal and PostgreSQL are independent: start them together.
  const [temporalAddress, databaseUrl] = await Promise.race([
    Promise.all([
      (async () => {
        if (!runTemporal) return env.TEMPORAL_ADDRESS!;
        const cliPath = env.TEMPORAL_CLI_PATH;
        if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set: run `npm start` (it provisions the Temporal CLI)');
        log(`starting Temporal dev server (state in .data/temporal.db)...`);
        const server = await startTemporalDevServer({
          cliPath,
          port: temporalPort,
          uiPort: temporalUiPort,
          dbFile: path.join(DATA_DIR, 'temporal.db'),
          // The Web UI sends no Authorization header to a codec endpoint: the token rides in the path.
          uiCodecEndpoint: `http://localhost:${apiPort}/codec/${tokenList(codecAuthToken)[0]}`,
          namespaces: namespace === 'default' ? [] : [namespace],
          namespaceRetentionSeconds,
          echo: true,
        });
        watch(server.child());
        running.push({ name: 'temporal', stop: () => server.stop() });
        return server.address;
      })(),
      (async () => {
        if (!runPostgres) return env.DATABASE_URL!;
        log('starting PostgreSQL (data in .data/postgres)...');
        const postgres = await startEmbeddedPostgres({
          dataDir: path.join(DATA_DIR, 'postgres'),
          port: postgresPort,
          password: settings.postgresPassword,
          database: 'bookings',
        });
        watch(postgres.child);
        running.push({ name: 'postgres', stop: () => postgres.stop() });
        return postgres.url;
      })(),
    ]),
    unexpectedExit,
  ]);
  // Reverse-order shutdown wants Temporal stopped last, whichever finished starting first.
  running.sort((a, b) => (a.name === 'temporal' ? -1 : b.name === 'temporal' ? 1 : 0));

  const stripeApiUrl = env.STRIPE_API_URL ?? (useEmulator ? `http://127.0.0.1:${emulatorPort}` : undefined);
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    STRIPE_SECRET_KEY: givenKey ?? settings.stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: env.STRIPE_WEBHOOK_SECRET ?? settings.stripeWebhookSecret,
    API_TOKEN: env.API_TOKEN ?? settings.apiToken,
    NOTIFY_SIGNING_SECRET: env.NOTIFY_SIGNING_SECRET ?? settings.notifySigningSecret,
    PAYLOAD_CODEC_KEYS: env.PAYLOAD_CODEC_KEYS ?? settings.payloadCodecKeys,
    CODEC_AUTH_TOKEN: codecAuthToken,
    CODEC_CORS_ORIGINS:
      env.CODEC_CORS_ORIGINS ?? `http://localhost:${temporalUiPort},http://127.0.0.1:${temporalUiPort}`,
    PORT: String(apiPort),
  };
  if (stripeApiUrl) childEnv.STRIPE_API_URL = stripeApiUrl;
  else delete childEnv.STRIPE_API_URL;

  if (present('emulator')) {
    log('starting Stripe emulator...');
    startEntry('emulator', 'emulator/main.ts', {
      ...childEnv,
      STRIPE_EMULATOR_PORT: String(emulatorPort),
      STRIPE_EMULATOR_WEBHOOK_URL: `http://127.0.0.1:${apiPort}/v1/webhooks/stripe`,
      STRIPE_EMULATOR_STATE_FILE: emulatorStateFile,
    });
    await waitUntil('Stripe emulator', () => isPortOpen(emulatorPort), 60_000);
  }
  if (present('worker')) {
    log('starting worker...');
    startEntry('worker', 'worker/main.ts', childEnv);
  }
  if (present('api')) {
    log('starting API...');
    startEntry('api', 'api/main.ts', childEnv);
    await waitUntil(
      `API on port ${apiPort} (/healthz)`,
      async () => (await fetch(`http://127.0.0.1:${apiPort}/healthz`)).ok,
      90_000,
    );
  }

  printBanner({
    temporalAddress,
    temporalUi: runTemporal ? `http://localhost:${temporalUiPort}` : undefined,
    apiUrl: present('api') ? `http://localhost:${apiPort}` : undefined,
    databaseUrl,
    stripe: useEmulator
      ? present('emulator')
        ? `emulator at ${stripeApiUrl} (state in ${path.relative(ROOT, emulatorStateFile)})`
        : 'emulator NOT running (emulator/main.ts missing)'
      : realStripe
        ? 'Stripe test mode (api.stripe.com)'
        : `${stripeApiUrl} (STRIPE_API_URL)`,
    apiToken: childEnv.API_TOKEN!,
    webhookSecret: childEnv.STRIPE_WEBHOOK_SECRET!,
    codecAuthToken,
    observability: present('worker')
      ? `worker metrics http://localhost:${workerMetricsPort}/metrics, health http://localhost:${workerHealthPort}/healthz; API metrics /metrics`
      : undefined,
    missing: missing.map((entry) => entry.file),
  });
  if (realStripe && !env.STRIPE_WEBHOOK_SECRET) {
    log(
      'note: STRIPE_WEBHOOK_SECRET is a generated value; Stripe-signed webhooks need the whsec_ from your endpoint or `stripe listen`',
    );
  }
}

await runStack(main);
