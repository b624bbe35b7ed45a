/**
 * `npm run start:cluster`: the system on a Temporal cluster shaped like production (issue 14)
 * rather than the single-process dev server. Starts embedded PostgreSQL (`.data/cluster/postgres`,
 * holding the bookings database and Temporal's two databases), creates and migrates Temporal's
 * databases with temporal-sql-tool (idempotent, on every start), runs the history, matching,
 * frontend and worker services as four processes from dev/cluster/config (`--env cluster`),
 * creates the namespace if missing and registers the search attributes, starts the Web UI server,
 * then the Stripe emulator, two workers and two APIs.
 *
 * The two APIs listen on PORT (3000) and PORT+1 (3001): each is a whole API on its own port, so
 * either can be curled and killed to see the other carry on, with no proxy of our own in between
 * that would be one more process to keep alive and would hide which API answered. The emulator's
 * webhooks go to the first. Ports of the Temporal services are the `TEMPORAL_*` variables read by
 * dev/cluster/config/cluster.yaml (Temporal's usual 7233… by default); TEMPORAL_UI_PORT (8233).
 * Ctrl-C stops everything in reverse order, PostgreSQL last.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import {
  DATA_DIR,
  ROOT,
  log,
  loadDevSettings,
  portFrom,
  printBanner,
  running,
  runStack,
  startEntry,
  startPiece,
  unexpectedExit,
  waitUntil,
  watch,
} from './dev-stack.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { isPortOpen } from './port-check.js';
import { registerSearchAttributes } from './register-search-attributes.js';
import { tokenList } from '../config/bearer-tokens.js';
import { loadNamespaceRetention } from '../config/env.js';

const env = process.env;
const CLUSTER_DIR = path.join(DATA_DIR, 'cluster');
const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
/** Workflow retention of the namespace it creates: TEMPORAL_NAMESPACE_RETENTION (docs/DATA-LIFECYCLE.md), in ms. */
const NAMESPACE_RETENTION = loadNamespaceRetention(env) * 1000;
/** gRPC status ALREADY_EXISTS. */
const GRPC_ALREADY_EXISTS = 6;
const run = promisify(execFile);

/** A provisioned binary: its `*_PATH` variable, else dev/provision.sh's bin directory. */
function binary(variable: string, file: string): string {
  const tools = env.BOOKINGS_TOOLS_DIR || path.join(os.homedir(), '.cache', 'booking-payments');
  const found = env[variable] || path.join(tools, 'bin', file);
  if (!existsSync(found)) throw new Error(`${file} not found at ${found}: run \`npm run provision\``);
  return found;
}

/** Creates Temporal's databases if missing and brings their schemas to the embedded versions. */
async function migrateTemporalDatabases(sqlTool: string, dbPort: number, password: string): Promise<void> {
  const sqlEnv = {
    ...env,
    SQL_PLUGIN: 'postgres12',
    SQL_HOST: '127.0.0.1',
    SQL_PORT: String(dbPort),
    SQL_USER: 'postgres',
    SQL_PASSWORD: password,
  };
  for (const [database, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ] as const) {
    for (const args of [
      ['create-database'],
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '--schema-name', schema],
    ]) {
      try {
        await run(sqlTool, ['--db', database, ...args], { env: sqlEnv, cwd: ROOT });
      } catch (error) {
        const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
        throw new Error(`temporal-sql-tool --db ${database} ${args.join(' ')} failed:\n${stdout}${stderr}`);
      }
    }
  }
}

/** Registers the namespace unless it exists; the services pick it up within their cache refresh. */
async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(NAMESPACE_RETENTION),
    });
    log(`created namespace ${namespace}`);
  } catch (error) {
    if (!(isGrpcServiceError(error) && Number(error.code) === GRPC_ALREADY_EXISTS)) throw error;
  }
}

async function main(): Promise<void> {
  mkdirSync(CLUSTER_DIR, { recursive: true });
  const settings = loadDevSettings();
  const startedAt = Date.now();
  const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;

  const apiPorts = [portFrom('PORT', 3000)];
  apiPorts.push(apiPorts[0] + 1);
  const postgresPort = portFrom('DEV_POSTGRES_PORT', 5433);
  const frontendPort = portFrom('TEMPORAL_FRONTEND_PORT', 7233);
  const uiPort = portFrom('TEMPORAL_UI_PORT', 8233);
  const emulatorPort = portFrom('STRIPE_EMULATOR_PORT', 12111);
  const namespace = env.TEMPORAL_NAMESPACE || 'default';
  const codecAuthToken = env.CODEC_AUTH_TOKEN || settings.codecAuthToken;
  // Worker i (0, 1) serves metrics on base+2i and health on base+2i+1: 9464–9467 by default.
  const workerPortBase = portFrom('DEV_WORKER_PORT_BASE', 9464);
  const workerPorts = [0, 1].map((i) => ({ metrics: workerPortBase + 2 * i, health: workerPortBase + 2 * i + 1 }));
  const temporalServer = binary('TEMPORAL_SERVER_PATH', 'temporal-server');
  const sqlTool = binary('TEMPORAL_SQL_TOOL_PATH', 'temporal-sql-tool');
  const uiServer = binary('TEMPORAL_UI_SERVER_PATH', 'temporal-ui-server');

  const ports: [number, string][] = [
    [postgresPort, 'PostgreSQL (DEV_POSTGRES_PORT)'],
    [frontendPort, 'Temporal frontend (TEMPORAL_FRONTEND_PORT)'],
    [uiPort, 'Temporal Web UI (TEMPORAL_UI_PORT)'],
    [emulatorPort, 'Stripe emulator (STRIPE_EMULATOR_PORT)'],
    ...apiPorts.map((port): [number, string] => [port, 'API (PORT, PORT+1)']),
    ...workerPorts.flatMap(({ metrics, health }): [number, string][] => [
      [metrics, 'worker metrics'],
      [health, 'worker health'],
    ]),
  ];
  for (const [port, what] of ports) {
    if (await isPortOpen(port)) {
      throw new Error(`port ${port} for ${what} is already in use — is \`npm start\` or another stack running?`);
    }
  }

  log('starting PostgreSQL (data in .data/cluster/postgres)...');
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(CLUSTER_DIR, 'postgres'),
    port: postgresPort,
    password: settings.postgresPassword,
    database: 'bookings',
  });
  watch(postgres.child);
  running.push({ name: 'postgres', stop: () => postgres.stop() });
  log(`PostgreSQL up (${elapsed()}); migrating Temporal's databases...`);
  await Promise.race([migrateTemporalDatabases(sqlTool, postgresPort, settings.postgresPassword), unexpectedExit]);
  log(`Temporal's databases migrated (${elapsed()}); starting history, matching, frontend, worker...`);

  const temporalEnv: NodeJS.ProcessEnv = {
    ...env,
    TEMPORAL_DB_PORT: String(postgresPort),
    TEMPORAL_DB_USER: 'postgres',
    TEMPORAL_DB_PASSWORD: settings.postgresPassword,
    TEMPORAL_FRONTEND_PORT: String(frontendPort),
  };
  for (const service of TEMPORAL_SERVICES) {
    startPiece({
      name: `temporal-${service}`,
      command: temporalServer,
      args: [
        '--root',
        '.',
        '--config',
        'dev/cluster/config',
        '--env',
        'cluster',
        '--allow-no-auth',
        'start',
        '--service',
        service,
      ],
      env: temporalEnv,
    });
  }

  const temporalAddress = `127.0.0.1:${frontendPort}`;
  let connection: Connection | undefined;
  await waitUntil(
    `Temporal frontend on ${temporalAddress}`,
    async () => {
      connection ??= await Connection.connect({ address: temporalAddress, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      return true;
    },
    90_000,
  );
  log(`frontend answers (${elapsed()})`);
  try {
    await ensureNamespace(connection!, namespace);
    // A new namespace reaches the services' caches a few seconds later: retry until it is known.
    await waitUntil(
      `search attributes on namespace ${namespace}`,
      async () => {
        const added = await registerSearchAttributes(connection!, namespace);
        if (added.length) log(`registered search attributes ${added.join(', ')}`);
        return true;
      },
      60_000,
    );
  } finally {
    await connection?.close();
  }
  log(`namespace ${namespace} ready (${elapsed()}); starting the Web UI server...`);

  const apiUrls = apiPorts.map((port) => `http://localhost:${port}`);
  startPiece({
    name: 'temporal-ui',
    command: uiServer,
    args: ['--root', '.', '--config', 'dev/cluster/ui', '--env', 'cluster', 'start'],
    env: {
      ...env,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_UI_PORT: String(uiPort),
      // The Web UI sends no Authorization header to a codec endpoint: the token rides in the path.
      TEMPORAL_CODEC_ENDPOINT: `${apiUrls[0]}/codec/${tokenList(codecAuthToken)[0]}`,
    },
  });

  const stripeApiUrl = `http://127.0.0.1:${emulatorPort}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    STRIPE_API_URL: stripeApiUrl,
    STRIPE_SECRET_KEY: settings.stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: env.STRIPE_WEBHOOK_SECRET ?? settings.stripeWebhookSecret,
    API_TOKEN: env.API_TOKEN ?? settings.apiToken,
    NOTIFY_SIGNING_SECRET: env.NOTIFY_SIGNING_SECRET ?? settings.notifySigningSecret,
    PAYLOAD_CODEC_KEYS: env.PAYLOAD_CODEC_KEYS ?? settings.payloadCodecKeys,
    CODEC_AUTH_TOKEN: codecAuthToken,
    CODEC_CORS_ORIGINS: env.CODEC_CORS_ORIGINS ?? `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`,
  };

  log('starting Stripe emulator...');
  startEntry('emulator', 'emulator/main.ts', {
    ...childEnv,
    STRIPE_EMULATOR_PORT: String(emulatorPort),
    STRIPE_EMULATOR_WEBHOOK_URL: `http://127.0.0.1:${apiPorts[0]}/v1/webhooks/stripe`,
    STRIPE_EMULATOR_STATE_FILE: path.join(CLUSTER_DIR, 'stripe-emulator.json'),
  });
  await waitUntil('Stripe emulator', () => isPortOpen(emulatorPort), 60_000);

  for (const [index, { metrics, health }] of workerPorts.entries()) {
    log(`starting worker ${index + 1}...`);
    startEntry(`worker-${index + 1}`, 'worker/main.ts', {
      ...childEnv,
      WORKER_METRICS_ADDRESS: `0.0.0.0:${metrics}`,
      WORKER_HEALTH_ADDRESS: `0.0.0.0:${health}`,
    });
  }
  for (const [index, port] of apiPorts.entries()) {
    log(`starting API ${index + 1} on port ${port}...`);
    startEntry(`api-${index + 1}`, 'api/main.ts', { ...childEnv, PORT: String(port) });
  }
  await Promise.all([
    ...apiPorts.map((port) =>
      waitUntil(
        `API on port ${port} (/healthz)`,
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
        90_000,
      ),
    ),
    waitUntil('Temporal Web UI', async () => (await fetch(`http://127.0.0.1:${uiPort}/api/v1/namespaces`)).ok, 30_000),
  ]);
  log(`everything up (${elapsed()})`);

  printBanner({
    temporalAddress,
    temporalUi: `http://localhost:${uiPort}`,
    apiUrl: apiUrls[0],
    moreApiUrls: apiUrls.slice(1),
    databaseUrl: postgres.url,
    stripe: `emulator at ${stripeApiUrl} (state in .data/cluster/stripe-emulator.json)`,
    apiToken: childEnv.API_TOKEN!,
    webhookSecret: childEnv.STRIPE_WEBHOOK_SECRET!,
    codecAuthToken,
    observability: workerPorts
      .map(({ metrics, health }) => `worker http://localhost:${metrics}/metrics, http://localhost:${health}/healthz`)
      .join('; '),
    missing: [],
    persists: '.data/cluster/ for the next `npm run start:cluster`',
  });
}

await runStack(main);
