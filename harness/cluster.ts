/**
 * The production topology (dev/cluster/topology.ts) for tests: PostgreSQL in a temp directory,
 * Temporal's four services, the emulator, workers and APIs on free ports, with generated secrets,
 * short release deadlines and fast retries; plus what the tests read to account for every booking
 * and webhook: a Temporal client with the cluster's payload keys, the database, the emulator.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import pg from 'pg';
import Stripe from 'stripe';
import {
  TEMPORAL_SERVICES,
  startClusterTopology,
  type ClusterPorts,
  type ClusterSecrets,
  type ClusterTopology,
} from '../dev/cluster/topology.js';
import { dataConverterFor, payloadCodecFrom } from '../codec/data-converter.js';
import { creationRecordingIdentity } from '../inbox/creation-recording-workers.js';
import { generateCodecKey } from '../codec/payload-encryption-codec.js';
import { stripeEventSignal, type StripeEventSignal } from '../workflows/booking/contract.js';
import { getFreePort as anyFreePort, getFreePortBetween } from './free-port.js';
import type { ApiAnswer } from './system-under-test.js';
import { toolPath } from './tool-paths.js';

/** The topology started for tests, and how to drive and read it. */
export interface TestCluster extends ClusterTopology {
  secrets: ClusterSecrets;
  /** A Temporal client on the frontend with the cluster's payload codec. */
  client: Client;
  codec: PayloadCodec;
  /** The bookings database (inbox, notifications); its pool reconnects after an outage. */
  db: pg.Pool;
  /** A Stripe client on the emulator. */
  stripe: Stripe;
  /** Calls API `index` with the bearer token; answers its status and JSON body. */
  api<Body = unknown>(index: number, method: string, path: string, body?: unknown): Promise<ApiAnswer<Body>>;
  /** Calls the emulator's control API (`/_emulator/…`); throws on a non-2xx answer. */
  emulatorControl<T>(method: string, path: string, body?: unknown): Promise<T>;
  /** The Stripe event ids a workflow was signalled with, one entry per WorkflowExecutionSignaled. */
  signalledEventIds(workflowId: string): Promise<string[]>;
  /** The identity a booking worker process of this machine polls with, as Temporal records it. */
  identityOf(pid: number): string;
}

/** How many processes of each kind, and whether to echo their output. */
export interface TestClusterOptions {
  workers?: number;
  apis?: number;
  /** Which API the emulator's webhooks go to (default 0). */
  webhookApi?: number;
  echo?: boolean;
}

/** Starts the topology on free ports in a temp directory; `stop()` also deletes the directory. */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const { workers = 2, apis = 2 } = options;
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bookings-cluster-'));
  const secrets: ClusterSecrets = {
    apiToken: `cluster_${randomBytes(12).toString('hex')}`,
    stripeWebhookSecret: `whsec_${randomBytes(16).toString('hex')}`,
    notifySigningSecret: randomBytes(16).toString('hex'),
    stripeSecretKey: `sk_test_emulator_${randomBytes(8).toString('hex')}`,
    postgresPassword: randomBytes(12).toString('hex'),
    payloadCodecKeys: `cluster-1:${generateCodecKey()}`,
    codecAuthToken: `codec_${randomBytes(12).toString('hex')}`,
  };
  const topology = await startClusterTopology({
    dataDir,
    ports: await freePorts(workers, apis),
    secrets,
    binaries: {
      temporalServer: toolPath('TEMPORAL_SERVER_PATH'),
      sqlTool: toolPath('TEMPORAL_SQL_TOOL_PATH'),
      uiServer: toolPath('TEMPORAL_UI_SERVER_PATH'),
    },
    ui: false,
    echo: options.echo ?? false,
    // CLUSTER_LOG=1 prints the start-up steps with their times.
    log: process.env.CLUSTER_LOG ? (message) => console.log(`[cluster] ${message}`) : undefined,
    webhookApi: options.webhookApi,
    appEnv: {
      // Holds are released a second after a booking's end; the relay polls every 200 ms.
      HOLD_RELEASE_GRACE_SECONDS: '1',
      RELAY_INTERVAL_MS: '200',
      RECONCILE_INTERVAL: 'off',
      WORKER_LOG_LEVEL: 'WARN',
    },
    // Deliveries keep being retried (every 2 s at most) through a process's restart or a 30 s outage.
    emulatorEnv: {
      STRIPE_EMULATOR_WEBHOOK_RETRY_BASE_MS: '200',
      STRIPE_EMULATOR_WEBHOOK_MAX_DELAY_MS: '2000',
      STRIPE_EMULATOR_WEBHOOK_MAX_ATTEMPTS: '60',
    },
  }).catch(async (error: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  });

  const codec = payloadCodecFrom({ PAYLOAD_CODEC_KEYS: secrets.payloadCodecKeys })!;
  const connection = await Connection.connect({ address: topology.temporalAddress });
  const client = new Client({ connection, namespace: topology.namespace, dataConverter: dataConverterFor(codec) });
  const db = new pg.Pool({ connectionString: topology.postgres.url, max: 4 });
  // An outage ends idle connections with an error event; the pool replaces them.
  db.on('error', () => undefined);
  const emulator = new URL(topology.emulatorUrl);
  const stripe = new Stripe(secrets.stripeSecretKey, {
    host: emulator.hostname,
    port: Number(emulator.port),
    protocol: 'http',
    telemetry: false,
  });

  return {
    ...topology,
    secrets,
    client,
    codec,
    db,
    stripe,
    async api<Body>(index: number, method: string, apiPath: string, body?: unknown): Promise<ApiAnswer<Body>> {
      const response = await fetch(`${topology.apis[index].url}${apiPath}`, {
        method,
        headers: { authorization: `Bearer ${secrets.apiToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as ApiAnswer<Body>['body'] };
    },
    async emulatorControl<T>(method: string, controlPath: string, body?: unknown): Promise<T> {
      const response = await fetch(`${topology.emulatorUrl}${controlPath}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`emulator ${method} ${controlPath} answered ${response.status}`);
      return (await response.json()) as T;
    },
    async signalledEventIds(workflowId: string): Promise<string[]> {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const ids: string[] = [];
      for (const event of history.events ?? []) {
        const signalled = event.workflowExecutionSignaledEventAttributes;
        if (signalled?.signalName !== stripeEventSignal.name) continue;
        const [payload] = await codec.decode(signalled.input?.payloads ?? []);
        ids.push((JSON.parse(Buffer.from(payload.data!).toString('utf8')) as StripeEventSignal).eventId);
      }
      return ids;
    },
    // Booking workers poll as creationRecordingIdentity (worker/create-worker.ts).
    identityOf: (pid: number) => creationRecordingIdentity(pid),
    async stop() {
      await connection.close().catch(() => undefined);
      await db.end().catch(() => undefined);
      await topology.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A free port for everything the topology listens on. */
async function freePorts(workers: number, apis: number): Promise<ClusterPorts> {
  // The OS may hand out a port again once it is closed: keep each one once.
  const taken = new Set<number>();
  const getFreePort = async (below32768 = false): Promise<number> => {
    for (;;) {
      const port = below32768 ? await getFreePortBetween(20_000, 32_767) : await anyFreePort();
      if (taken.has(port)) continue;
      taken.add(port);
      return port;
    }
  };
  const services = {} as ClusterPorts['services'];
  for (const service of TEMPORAL_SERVICES) {
    // Temporal keeps membership ports in a smallint column: above 32767 a service cannot join.
    services[service] = { grpc: await getFreePort(), membership: await getFreePort(true) };
  }
  const pairs: ClusterPorts['workers'] = [];
  for (let index = 0; index < workers; index += 1) {
    pairs.push({ metrics: await getFreePort(), health: await getFreePort() });
  }
  const apiPorts: number[] = [];
  for (let index = 0; index < apis; index += 1) apiPorts.push(await getFreePort());
  return {
    postgres: await getFreePort(),
    frontend: services.frontend.grpc,
    frontendHttp: await getFreePort(),
    services,
    ui: await getFreePort(),
    emulator: await getFreePort(),
    apis: apiPorts,
    workers: pairs,
  };
}
