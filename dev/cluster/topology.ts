/**
 * The production topology on this machine (issue 14), as a module: `npm run start:cluster` runs it
 * on fixed ports with its data under `.data/cluster`, the cluster tests (harness/cluster.ts) on
 * free ports in a temp directory. It starts PostgreSQL (embedded), creates and migrates Temporal's
 * two databases with temporal-sql-tool, runs the history, matching, frontend and worker services
 * as four processes from dev/cluster/config (`--env cluster`), registers the namespace and the
 * search attributes, and starts the Web UI server (optional), the Stripe emulator, N workers and
 * N APIs. Every process can be stopped, SIGKILLed and started again on its own, so a test can take
 * one worker, one API, the history service or PostgreSQL away while the rest carries on.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToNumber, msToTs } from '@temporalio/common/lib/time.js';
import { startChild, type ChildExit, type ManagedChild } from '../child-process.js';
import type { DevSettings } from '../dev-stack.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../embedded-postgres.js';
import { isPortOpen } from '../port-check.js';
import { registerSearchAttributes } from '../register-search-attributes.js';
import { setNamespaceRetention } from '../temporal-dev-server.js';
import { tokenList } from '../../config/bearer-tokens.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
/** The Temporal services, each its own process, in start order. */
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];
/** gRPC status ALREADY_EXISTS. */
const GRPC_ALREADY_EXISTS = 6;

/** Every port the topology listens on. */
export interface ClusterPorts {
  postgres: number;
  /** Temporal frontend gRPC (the address clients use) and HTTP. */
  frontend: number;
  frontendHttp: number;
  /** gRPC and membership (ringpop) port of each Temporal service. */
  services: Record<TemporalService, { grpc: number; membership: number }>;
  ui: number;
  emulator: number;
  /** One per API process. */
  apis: number[];
  /** One pair per worker process. */
  workers: Array<{ metrics: number; health: number }>;
}

/** The secrets the processes share (the dev settings of `npm run start:cluster`, generated ones in tests). */
export type ClusterSecrets = DevSettings;

/** Paths of the three provisioned binaries (dev/provision.sh). */
export interface ClusterBinaries {
  temporalServer: string;
  sqlTool: string;
  uiServer: string;
}

/** A started piece, stopped in reverse start order (the same shape as dev/dev-stack.ts's). */
export interface ClusterPiece {
  name: string;
  stop(): Promise<void>;
}

export interface ClusterTopologyOptions {
  /** Holds `postgres/` (the data directory) and `stripe-emulator.json`; reused when it exists. */
  dataDir: string;
  ports: ClusterPorts;
  secrets: ClusterSecrets;
  binaries: ClusterBinaries;
  namespace?: string;
  /** The namespace's workflow retention, set at every start, in ms or as `72h` (default 72h; start:cluster: TEMPORAL_NAMESPACE_RETENTION). */
  retention?: number | string;
  /** Start the Web UI server (default true). */
  ui?: boolean;
  /** Variables for every API and worker on top of the derived ones (e.g. HOLD_RELEASE_GRACE_SECONDS). */
  appEnv?: NodeJS.ProcessEnv;
  /** Variables for the emulator (e.g. STRIPE_EMULATOR_WEBHOOK_RETRY_BASE_MS). */
  emulatorEnv?: NodeJS.ProcessEnv;
  /** Which API the emulator's webhooks go to (default 0). */
  webhookApi?: number;
  /** Echo every process's lines with its name as prefix (default false). */
  echo?: boolean;
  /** Progress lines (default: none). */
  log?: (message: string) => void;
  /** Where started pieces are recorded, in start order; `stop()` stops them in reverse. */
  pieces?: ClusterPiece[];
  /** Called with every child started by `start()` (not by a later restart): start:cluster watches them. */
  onChild?: (child: ManagedChild) => void;
}

/** One process of the topology, which can be stopped, killed and started again. */
export interface ClusterProcess {
  readonly name: string;
  /** The process running now (a new one after each restart). */
  readonly child: ManagedChild;
  /** SIGKILLs it (nothing drains) and waits for it to exit. */
  kill(): Promise<ChildExit>;
  /** Stops it gracefully (SIGTERM; PostgreSQL: fast shutdown). */
  stop(): Promise<void>;
  /** Starts it again with the same settings and waits until it serves; throws if it still runs. */
  restart(): Promise<void>;
}

/** An API process and its base URL. */
export interface ClusterApi extends ClusterProcess {
  url: string;
}

/** A worker process and its endpoints. */
export interface ClusterWorker extends ClusterProcess {
  metricsUrl: string;
  healthUrl: string;
}

/** The running topology. */
export interface ClusterTopology {
  postgres: ClusterProcess & { url: string; adminUrl: string };
  /** `host:port` of the Temporal frontend. */
  temporalAddress: string;
  namespace: string;
  services: Record<TemporalService, ClusterProcess>;
  ui: ClusterProcess | null;
  uiUrl: string;
  emulator: ClusterProcess;
  emulatorUrl: string;
  workers: ClusterWorker[];
  apis: ClusterApi[];
  /** The environment every API and worker got, for a process a caller starts next to them. */
  appEnv: NodeJS.ProcessEnv;
  /** Stops everything, in reverse start order, PostgreSQL last. */
  stop(): Promise<void>;
}

/** Starts the topology; on failure stops what it started and throws. */
export async function startClusterTopology(options: ClusterTopologyOptions): Promise<ClusterTopology> {
  const pieces = options.pieces ?? [];
  const stop = async () => {
    for (const piece of pieces.splice(0).reverse()) {
      try {
        await piece.stop();
      } catch (error) {
        options.log?.(`could not stop ${piece.name} cleanly: ${String(error)}`);
      }
    }
  };
  try {
    return { ...(await startPieces(options, pieces)), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A process started by `launch`, awaited by `ready`, restartable; recorded in `pieces`. */
async function restartable(
  name: string,
  launch: () => ManagedChild | Promise<ManagedChild>,
  ready: (child: ManagedChild) => Promise<void>,
  pieces: ClusterPiece[],
  onChild?: (child: ManagedChild) => void,
  stopGracefully: (child: ManagedChild) => Promise<unknown> = (child) => child.stop({ timeoutMs: 30_000 }),
): Promise<ClusterProcess> {
  const startReady = async (): Promise<ManagedChild> => {
    const started = await launch();
    try {
      await ready(started);
    } catch (error) {
      await started.stop({ signal: 'SIGKILL' });
      throw new Error(`${name} did not start: ${String(error)}\n${lastLines(started)}`);
    }
    return started;
  };
  const first = await launch();
  onChild?.(first);
  let child = first;
  const handle: ClusterProcess = {
    name,
    get child() {
      return child;
    },
    kill: () => child.stop({ signal: 'SIGKILL' }),
    stop: async () => void (await stopGracefully(child)),
    async restart() {
      if (child.isRunning()) throw new Error(`${name} is still running; kill or stop it before a restart`);
      child = await startReady();
    },
  };
  pieces.push({ name, stop: () => handle.stop() });
  try {
    await ready(first);
  } catch (error) {
    throw new Error(`${name} did not start: ${String(error)}\n${lastLines(first)}`);
  }
  return handle;
}

/** The last lines a child wrote, each cut short (Temporal's lines carry whole stack traces). */
function lastLines(child: ManagedChild): string {
  return child
    .recentOutput()
    .split('\n')
    .slice(-12)
    .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
    .join('\n');
}

/** Polls `check` every 250 ms until it holds; fails if `child` exits or after `timeoutMs`. */
async function until(child: ManagedChild, what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  while (Date.now() < deadline) {
    if (!child.isRunning()) throw new Error(`${child.name} exited while waiting for ${what}`);
    try {
      if (await check()) return;
    } catch (error) {
      last = error instanceof Error ? error : new Error(String(error));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} not within ${timeoutMs / 1000} s${last ? ` (${last.message})` : ''}`);
}

async function startPieces(
  options: ClusterTopologyOptions,
  pieces: ClusterPiece[],
): Promise<Omit<ClusterTopology, 'stop'>> {
  const { ports, secrets, binaries, echo = false } = options;
  const log = options.log ?? (() => undefined);
  const namespace = options.namespace ?? 'default';
  const startedAt = Date.now();
  const elapsed = () => `${((Date.now() - startedAt) / 1000).toFixed(1)} s`;
  mkdirSync(options.dataDir, { recursive: true });

  log(`starting PostgreSQL (data in ${path.relative(ROOT, options.dataDir) || options.dataDir}/postgres)...`);
  const postgresOptions = {
    dataDir: path.join(options.dataDir, 'postgres'),
    port: ports.postgres,
    password: secrets.postgresPassword,
    database: 'bookings',
    echo,
  };
  let server: EmbeddedPostgresServer | undefined;
  const postgres = await restartable(
    'postgres',
    async () => (server = await startEmbeddedPostgres(postgresOptions)).child,
    async () => undefined, // startEmbeddedPostgres answers once the server accepts connections
    pieces,
    options.onChild,
    () => server!.stop(),
  );
  log(`PostgreSQL up (${elapsed()}); migrating Temporal's databases...`);
  await migrateTemporalDatabases(binaries.sqlTool, ports.postgres, secrets.postgresPassword);

  log(`Temporal's databases migrated (${elapsed()}); starting ${TEMPORAL_SERVICES.join(', ')}...`);
  const temporalAddress = `127.0.0.1:${ports.frontend}`;
  const services = await startTemporalServices(options, pieces);
  await ensureNamespace(temporalAddress, namespace, options.retention ?? '72h', log);
  log(`namespace ${namespace} ready (${elapsed()})`);

  const apiUrls = ports.apis.map((port) => `http://127.0.0.1:${port}`);
  const uiUrl = `http://127.0.0.1:${ports.ui}`;
  let ui: ClusterProcess | null = null;
  if (options.ui ?? true) {
    log('starting the Web UI server...');
    ui = await restartable(
      'temporal-ui',
      () =>
        startChild({
          name: 'temporal-ui',
          command: binaries.uiServer,
          args: ['--root', '.', '--config', 'dev/cluster/ui', '--env', 'cluster', 'start'],
          cwd: ROOT,
          echo,
          env: {
            ...process.env,
            TEMPORAL_ADDRESS: temporalAddress,
            TEMPORAL_UI_PORT: String(ports.ui),
            // The Web UI sends no Authorization header to a codec endpoint: the token rides in the path.
            TEMPORAL_CODEC_ENDPOINT: `${apiUrls[0]}/codec/${tokenList(secrets.codecAuthToken)[0]}`,
          },
        }),
      (child) => until(child, 'the Web UI', async () => (await fetch(`${uiUrl}/api/v1/namespaces`)).ok, 30_000),
      pieces,
      options.onChild,
    );
  }

  const databaseUrl = postgresUrl(ports.postgres, secrets.postgresPassword);
  const emulatorUrl = `http://127.0.0.1:${ports.emulator}`;
  const appEnv: NodeJS.ProcessEnv = {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: namespace,
    STRIPE_API_URL: emulatorUrl,
    STRIPE_SECRET_KEY: secrets.stripeSecretKey,
    STRIPE_WEBHOOK_SECRET: secrets.stripeWebhookSecret,
    API_TOKEN: secrets.apiToken,
    NOTIFY_SIGNING_SECRET: secrets.notifySigningSecret,
    PAYLOAD_CODEC_KEYS: secrets.payloadCodecKeys,
    CODEC_AUTH_TOKEN: secrets.codecAuthToken,
    CODEC_CORS_ORIGINS: `http://localhost:${ports.ui},http://127.0.0.1:${ports.ui}`,
    ...options.appEnv,
  };
  const node = (name: string, entry: string, env: NodeJS.ProcessEnv) => () =>
    startChild({
      name,
      command: process.execPath,
      // `node --import tsx` (not the tsx wrapper) so the child's pid is the process's own.
      args: ['--import', 'tsx', entry],
      cwd: ROOT,
      echo,
      env: { ...process.env, ...env },
    });

  log(`starting the Stripe emulator, ${ports.workers.length} workers and ${ports.apis.length} APIs...`);
  const emulatorStarted = restartable(
    'emulator',
    node('emulator', 'emulator/main.ts', {
      ...appEnv,
      STRIPE_EMULATOR_PORT: String(ports.emulator),
      STRIPE_EMULATOR_WEBHOOK_URL: `${apiUrls[options.webhookApi ?? 0]}/v1/webhooks/stripe`,
      STRIPE_EMULATOR_STATE_FILE: path.join(options.dataDir, 'stripe-emulator.json'),
      ...options.emulatorEnv,
    }),
    (child) => until(child, 'the Stripe emulator', () => isPortOpen(ports.emulator), 60_000),
    pieces,
    options.onChild,
  );

  const startWorker = async (index: number, { metrics, health }: { metrics: number; health: number }) => {
    const healthUrl = `http://127.0.0.1:${health}/healthz`;
    const process = await restartable(
      `worker-${index + 1}`,
      node(`worker-${index + 1}`, 'worker/main.ts', {
        ...appEnv,
        WORKER_METRICS_ADDRESS: `127.0.0.1:${metrics}`,
        WORKER_HEALTH_ADDRESS: `127.0.0.1:${health}`,
      }),
      (child) => until(child, `worker ${index + 1} polling`, async () => (await fetch(healthUrl)).ok, 120_000),
      pieces,
      options.onChild,
    );
    return Object.assign(process, { metricsUrl: `http://127.0.0.1:${metrics}/metrics`, healthUrl });
  };
  const startApi = async (index: number, port: number) => {
    const url = apiUrls[index];
    const process = await restartable(
      `api-${index + 1}`,
      node(`api-${index + 1}`, 'api/main.ts', { ...appEnv, PORT: String(port) }),
      (child) => until(child, `API ${index + 1} ready`, async () => (await fetch(`${url}/readyz`)).ok, 120_000),
      pieces,
      options.onChild,
    );
    return Object.assign(process, { url });
  };
  // All at once: each runs the bookings migrations, which take an advisory lock (db/migrate.ts).
  const [emulator, workers, apis] = await Promise.all([
    emulatorStarted,
    Promise.all(ports.workers.map((workerPorts, index) => startWorker(index, workerPorts))),
    Promise.all(ports.apis.map((port, index) => startApi(index, port))),
  ]);
  log(`everything up (${elapsed()})`);

  return {
    postgres: Object.assign(postgres, { url: databaseUrl, adminUrl: server!.adminUrl }),
    temporalAddress,
    namespace,
    services,
    ui,
    uiUrl,
    emulator,
    emulatorUrl,
    workers,
    apis,
    appEnv,
  };
}

function postgresUrl(port: number, password: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/bookings`;
}

/** The four Temporal services, each a process of dev/cluster/config with its ports from the environment. */
async function startTemporalServices(
  options: ClusterTopologyOptions,
  pieces: ClusterPiece[],
): Promise<Record<TemporalService, ClusterProcess>> {
  const { ports, secrets } = options;
  const serviceEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_DB_PORT: String(ports.postgres),
    TEMPORAL_DB_USER: 'postgres',
    TEMPORAL_DB_PASSWORD: secrets.postgresPassword,
    TEMPORAL_FRONTEND_PORT: String(ports.frontend),
    TEMPORAL_FRONTEND_HTTP_PORT: String(ports.frontendHttp),
  };
  for (const service of TEMPORAL_SERVICES) {
    const upper = service.toUpperCase();
    if (service !== 'frontend') serviceEnv[`TEMPORAL_${upper}_PORT`] = String(ports.services[service].grpc);
    serviceEnv[`TEMPORAL_${upper}_MEMBERSHIP_PORT`] = String(ports.services[service].membership);
  }
  const launch = (service: TemporalService) => () =>
    startChild({
      name: `temporal-${service}`,
      command: options.binaries.temporalServer,
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
      cwd: ROOT,
      echo: options.echo ?? false,
      env: serviceEnv,
    });
  // The worker service opens no gRPC listener of its own: its membership port says it is up.
  const listening = (service: TemporalService) => (child: ManagedChild) =>
    until(
      child,
      `temporal ${service} listening`,
      () =>
        isPortOpen(service === 'worker' ? ports.services.worker.membership : ports.services[service].grpc, '127.0.0.1'),
      60_000,
    );
  const started = {} as Record<TemporalService, ClusterProcess>;
  const startService = async (service: TemporalService) => {
    started[service] = await restartable(
      `temporal-${service}`,
      launch(service),
      listening(service),
      pieces,
      options.onChild,
    );
  };
  // The first service on a new database writes the cluster's metadata; started together, the
  // others would race it to the same row and exit ("duplicate key ... cluster_metadata_info_pkey").
  await startService('history');
  await Promise.all(TEMPORAL_SERVICES.filter((service) => service !== 'history').map(startService));
  return started;
}

/** The schema steps, shared with docker-compose.yml's temporal-schema job. */
export const MIGRATE_TEMPORAL_DB = 'dev/cluster/migrate-temporal-db.sh';

/** Creates Temporal's databases if missing and brings their schemas to the embedded versions (idempotent). */
export async function migrateTemporalDatabases(sqlTool: string, dbPort: number, password: string): Promise<void> {
  const migrateEnv = {
    ...process.env,
    TEMPORAL_SQL_TOOL_PATH: sqlTool,
    TEMPORAL_DB_HOST: '127.0.0.1',
    TEMPORAL_DB_PORT: String(dbPort),
    TEMPORAL_DB_USER: 'postgres',
    TEMPORAL_DB_PASSWORD: password,
  };
  try {
    await run('sh', [MIGRATE_TEMPORAL_DB], { env: migrateEnv, cwd: ROOT });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${MIGRATE_TEMPORAL_DB} failed:\n${stdout}${stderr}`);
  }
}

/**
 * Registers the namespace unless it exists, else sets its retention to `retention`; then the search
 * attributes once the services know it.
 */
export async function ensureNamespace(
  address: string,
  namespace: string,
  retention: number | string,
  log: (message: string) => void,
): Promise<void> {
  const deadline = Date.now() + 90_000;
  const retry = async <T>(what: string, attempt: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`${what}: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  };
  const connection = await retry(`Temporal frontend on ${address}`, async () => {
    const connected = await Connection.connect({ address, connectTimeout: 1_000 });
    await connected.workflowService.getSystemInfo({});
    return connected;
  });
  try {
    await retry(`namespace ${namespace}`, async () => {
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(retention),
        });
        log(`created namespace ${namespace}`);
      } catch (error) {
        if (!(isGrpcServiceError(error) && Number(error.code) === GRPC_ALREADY_EXISTS)) throw error;
        // An existing namespace takes the retention this start was given (TEMPORAL_NAMESPACE_RETENTION changed).
        await setNamespaceRetention(connection, namespace, msToNumber(retention) / 1000);
      }
    });
    // A new namespace reaches the services' caches a few seconds later: retry until it is known.
    await retry(`search attributes on namespace ${namespace}`, async () => {
      const added = await registerSearchAttributes(connection, namespace);
      if (added.length) log(`registered search attributes ${added.join(', ')}`);
    });
  } finally {
    await connection.close();
  }
}
