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
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DATA_DIR, log, loadDevSettings, portFrom, printBanner, running, runStack, watch } from './dev-stack.js';
import { isPortOpen } from './port-check.js';
import { TEMPORAL_SERVICES, startClusterTopology, type ClusterPorts } from './cluster/topology.js';
import { loadNamespaceRetention } from '../config/env.js';

const env = process.env;
const CLUSTER_DIR = path.join(DATA_DIR, 'cluster');
/** Workflow retention of the namespace it creates: TEMPORAL_NAMESPACE_RETENTION (docs/DATA-LIFECYCLE.md), in ms. */
const NAMESPACE_RETENTION_MS = loadNamespaceRetention(env) * 1000;

/** A provisioned binary: its `*_PATH` variable, else dev/provision.sh's bin directory. */
function binary(variable: string, file: string): string {
  const tools = env.BOOKINGS_TOOLS_DIR || path.join(os.homedir(), '.cache', 'booking-payments');
  const found = env[variable] || path.join(tools, 'bin', file);
  if (!existsSync(found)) throw new Error(`${file} not found at ${found}: run \`npm run provision\``);
  return found;
}

/** The ports: the variables dev/cluster/config/cluster.yaml reads, with Temporal's usual defaults. */
function clusterPorts(): ClusterPorts {
  const grpcDefaults = { history: 7234, matching: 7235, frontend: 7233, worker: 7239 };
  const membershipDefaults = { history: 6934, matching: 6935, frontend: 6933, worker: 6939 };
  const services = Object.fromEntries(
    TEMPORAL_SERVICES.map((service) => [
      service,
      {
        grpc: portFrom(`TEMPORAL_${service.toUpperCase()}_PORT`, grpcDefaults[service]),
        membership: portFrom(`TEMPORAL_${service.toUpperCase()}_MEMBERSHIP_PORT`, membershipDefaults[service]),
      },
    ]),
  ) as ClusterPorts['services'];
  const api = portFrom('PORT', 3000);
  // Worker i (0, 1) serves metrics on base+2i and health on base+2i+1: 9464–9467 by default.
  const workerBase = portFrom('DEV_WORKER_PORT_BASE', 9464);
  return {
    postgres: portFrom('DEV_POSTGRES_PORT', 5433),
    frontend: services.frontend.grpc,
    frontendHttp: portFrom('TEMPORAL_FRONTEND_HTTP_PORT', 7243),
    services,
    ui: portFrom('TEMPORAL_UI_PORT', 8233),
    emulator: portFrom('STRIPE_EMULATOR_PORT', 12111),
    apis: [api, api + 1],
    workers: [0, 1].map((i) => ({ metrics: workerBase + 2 * i, health: workerBase + 2 * i + 1 })),
  };
}

async function main(): Promise<void> {
  const settings = loadDevSettings();
  const ports = clusterPorts();
  const binaries = {
    temporalServer: binary('TEMPORAL_SERVER_PATH', 'temporal-server'),
    sqlTool: binary('TEMPORAL_SQL_TOOL_PATH', 'temporal-sql-tool'),
    uiServer: binary('TEMPORAL_UI_SERVER_PATH', 'temporal-ui-server'),
  };
  const checked: [number, string][] = [
    [ports.postgres, 'PostgreSQL (DEV_POSTGRES_PORT)'],
    [ports.frontend, 'Temporal frontend (TEMPORAL_FRONTEND_PORT)'],
    ...TEMPORAL_SERVICES.map((service): [number, string] => [
      ports.services[service].membership,
      `Temporal ${service} membership (TEMPORAL_${service.toUpperCase()}_MEMBERSHIP_PORT)`,
    ]),
    [ports.ui, 'Temporal Web UI (TEMPORAL_UI_PORT)'],
    [ports.emulator, 'Stripe emulator (STRIPE_EMULATOR_PORT)'],
    ...ports.apis.map((port): [number, string] => [port, 'API (PORT, PORT+1)']),
    ...ports.workers.flatMap(({ metrics, health }): [number, string][] => [
      [metrics, 'worker metrics (DEV_WORKER_PORT_BASE)'],
      [health, 'worker health (DEV_WORKER_PORT_BASE)'],
    ]),
  ];
  for (const [port, what] of checked) {
    if (await isPortOpen(port)) {
      throw new Error(`port ${port} for ${what} is already in use — is \`npm start\` or another stack running?`);
    }
  }

  const secrets = {
    ...settings,
    stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET ?? settings.stripeWebhookSecret,
    apiToken: env.API_TOKEN ?? settings.apiToken,
    notifySigningSecret: env.NOTIFY_SIGNING_SECRET ?? settings.notifySigningSecret,
    payloadCodecKeys: env.PAYLOAD_CODEC_KEYS ?? settings.payloadCodecKeys,
    codecAuthToken: env.CODEC_AUTH_TOKEN || settings.codecAuthToken,
  };
  const cluster = await startClusterTopology({
    dataDir: CLUSTER_DIR,
    ports,
    secrets,
    binaries,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    retention: NAMESPACE_RETENTION_MS,
    echo: true,
    log,
    // Recorded in dev-stack's list: Ctrl-C (or a failed start) stops them in reverse order.
    pieces: running,
    onChild: watch,
  });

  printBanner({
    temporalAddress: cluster.temporalAddress,
    temporalUi: `http://localhost:${ports.ui}`,
    apiUrl: `http://localhost:${ports.apis[0]}`,
    moreApiUrls: ports.apis.slice(1).map((port) => `http://localhost:${port}`),
    databaseUrl: cluster.postgres.url,
    stripe: `emulator at ${cluster.emulatorUrl} (state in .data/cluster/stripe-emulator.json)`,
    apiToken: secrets.apiToken,
    webhookSecret: secrets.stripeWebhookSecret,
    codecAuthToken: secrets.codecAuthToken,
    observability: ports.workers
      .map(({ metrics, health }) => `worker http://localhost:${metrics}/metrics, http://localhost:${health}/healthz`)
      .join('; '),
    missing: [],
    persists: '.data/cluster/ for the next `npm run start:cluster`',
  });
}

await runStack(main);
