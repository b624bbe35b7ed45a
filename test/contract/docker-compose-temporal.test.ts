/**
 * The Temporal pieces of docker-compose.yml, run with the real binaries of the same versions
 * (dev/provision.sh) under each compose service's environment, interpolated with example operator
 * values: the four services render dev/cluster/config through dev/cluster/temporal-server.sh as their
 * containers would; the schema job's script migrates a real PostgreSQL into the databases they
 * connect to; the Web UI server starts from dev/cluster/ui. No Docker engine is needed.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { isIP } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startDevServer, type DevServerHandle } from '../../harness/dev-server-env.js';
import { getFreePort } from '../../harness/free-port.js';
import { startTestPostgres, type TestPostgres } from '../../harness/postgres.js';
import { toolPath, toolsCacheDir } from '../../harness/tool-paths.js';
import { waitFor } from '../../harness/wait-for.js';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../../workflows/common/search-attributes.js';
import { MIGRATE_TEMPORAL_DB, ensureNamespace } from '../../dev/cluster/topology.js';
import { DEFAULT_NAMESPACE_RETENTION_SECONDS, loadNamespaceRetention } from '../../config/env.js';
import {
  ROOT,
  argvOf,
  compose,
  composeValue,
  environmentOf,
  hostAndPort,
  interpolate,
  publishedPorts,
  publishedTargets,
  repositoryPathOf,
  resolvedEnvironment,
  servicesRunning,
  servicesWithImage,
  type ComposeService,
} from './fixtures/compose-file.js';

const run = promisify(execFile);
const services = compose.services;

/** A binary dev/provision.sh builds for the cluster: its `*_PATH` variable, else the tools cache. */
function clusterBinary(variable: string, file: string): string {
  const found = process.env[variable] || path.join(toolsCacheDir(), 'bin', file);
  if (!existsSync(found)) throw new Error(`${file} not found at ${found}: run \`bash dev/provision.sh\``);
  return found;
}

/**
 * What a process in the container would see: compose's environment (with the operator's variables)
 * and the container's host name, nothing of ours.
 */
function containerEnvironment(
  service: ComposeService,
  extra: NodeJS.ProcessEnv = {},
  operator: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOSTNAME: hostname(), ...resolvedEnvironment(service, operator), ...extra };
}

interface SqlStore {
  pluginName: string;
  databaseName: string;
  connectAddr: string;
  user: string;
}

interface RenderedConfig {
  persistence: { defaultStore: string; visibilityStore: string; datastores: Record<string, { sql: SqlStore }> };
  global: { membership: { broadcastAddress: string } };
  services: Record<string, { rpc: { grpcPort: number; membershipPort: number; bindOnIP: string } }>;
  dynamicConfigClient: { filepath: string };
  clusterMetadata: { currentClusterName: string; clusterInformation: Record<string, { rpcAddress: string }> };
}

/** Temporal's roles and the compose service running each. */
function temporalRoles(): Map<string, string> {
  return new Map(
    servicesWithImage('temporalio/server:').map((name) => {
      const argv = argvOf(services[name]);
      return [argv[argv.indexOf('--service') + 1], name];
    }),
  );
}

/**
 * The container's command with `start --service <role>` turned into `render-config`, run from the
 * repository root (where the container's working directory has dev/cluster mounted).
 */
async function renderConfig(service: ComposeService, extra: NodeJS.ProcessEnv = {}): Promise<RenderedConfig> {
  const argv = argvOf(service);
  const [shell, ...args] = argv.slice(0, argv.indexOf('start'));
  const { stdout } = await run(shell, [...args, 'render-config'], {
    cwd: ROOT,
    env: containerEnvironment(service, {
      TEMPORAL_SERVER_PATH: clusterBinary('TEMPORAL_SERVER_PATH', 'temporal-server'),
      ...extra,
    }),
  });
  return parse(stdout) as RenderedConfig;
}

describe('Temporal services of docker-compose.yml', () => {
  const rendered = new Map<string, RenderedConfig>();

  beforeAll(async () => {
    for (const [role, name] of temporalRoles()) rendered.set(role, await renderConfig(services[name]));
  });

  it("render dev/cluster/config under their compose environment: compose's PostgreSQL, every interface, an IP to announce", async () => {
    expect([...rendered.keys()].sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    const postgres = environmentOf(services.postgresql);
    for (const [role, config] of rendered) {
      const name = temporalRoles().get(role)!;
      expect(repositoryPathOf(services[name], 'dev/cluster/config'), name).toBe(path.join(ROOT, 'dev/cluster/config'));
      const { datastores, defaultStore, visibilityStore } = config.persistence;
      for (const store of [datastores[defaultStore].sql, datastores[visibilityStore].sql]) {
        expect(store.pluginName).toBe('postgres12');
        const { host, port } = hostAndPort(store.connectAddr);
        expect(services[host]?.image, `${name} connects to ${host}`).toMatch(/^postgres:/);
        expect(port).toBe(5432);
        expect(store.user).toBe(interpolate(postgres.POSTGRES_USER));
      }
      expect(config.services[role].rpc.bindOnIP, name).toBe('0.0.0.0');
      expect(isIP(config.global.membership.broadcastAddress), `${name} announces an IP`).not.toBe(0);
      // The dynamic config comes through the mount and is one the server accepts.
      const dynamicConfig = repositoryPathOf(services[name], config.dynamicConfigClient.filepath);
      expect(dynamicConfig && existsSync(dynamicConfig), `${name}: ${config.dynamicConfigClient.filepath}`).toBe(true);
      await run(clusterBinary('TEMPORAL_SERVER_PATH', 'temporal-server'), ['validate-dynamic-config', dynamicConfig!]);
    }
    const stores = [...rendered.values()].map((config) => JSON.stringify(config.persistence));
    expect(new Set(stores).size, 'all four read the same databases').toBe(1);
  });

  it("are reached by every client, and known to each other, at the frontend's container and gRPC port", () => {
    const frontend = temporalRoles().get('frontend')!;
    const grpcPort = rendered.get('frontend')!.services.frontend.rpc.grpcPort;
    const clients = [
      ...servicesRunning('api/main.ts'),
      ...servicesRunning('worker/main.ts'),
      ...servicesWithImage('temporalio/ui:'),
      ...servicesWithImage('temporalio/admin-tools:').filter((name) => environmentOf(services[name]).TEMPORAL_ADDRESS),
    ];
    expect(clients.length).toBeGreaterThanOrEqual(6);
    for (const name of clients) {
      expect(hostAndPort(resolvedEnvironment(services[name]).TEMPORAL_ADDRESS!), name).toEqual({
        host: frontend,
        port: grpcPort,
      });
    }
    expect(publishedTargets(services[frontend])).toContain(String(grpcPort));
    // Each service writes the cluster's address into its metadata record at start: all must agree.
    for (const [role, { clusterMetadata }] of rendered) {
      const { rpcAddress } = clusterMetadata.clusterInformation[clusterMetadata.currentClusterName];
      expect(hostAndPort(rpcAddress), `${role}: cluster address`).toEqual({ host: frontend, port: grpcPort });
    }
  });

  it('refuse to start bound to every interface when the host name does not resolve, rather than announce 127.0.0.1', async () => {
    const name = temporalRoles().get('history')!;
    const failed = await renderConfig(services[name], { HOSTNAME: 'no-such-host.invalid' }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed, 'render-config through the script refused').toBeDefined();
    expect(failed!.code).not.toBe(0);
    expect(failed!.stderr).toContain('cannot resolve host name no-such-host.invalid');
  });
});

describe("docker-compose.yml's temporal-schema job", () => {
  let postgres: TestPostgres;
  beforeAll(async () => {
    postgres = await startTestPostgres();
  });
  afterAll(async () => {
    await postgres?.stop();
  });

  it('runs the very script npm run start:cluster migrates with', () => {
    expect(argvOf(services['temporal-schema'])).toContain(MIGRATE_TEMPORAL_DB);
    expect(existsSync(path.join(ROOT, MIGRATE_TEMPORAL_DB))).toBe(true);
  });

  it('migrates, idempotently, the databases the Temporal services connect to', async () => {
    const job = services['temporal-schema'];
    const temporalService = services[temporalRoles().get('history')!];
    // Same connection settings as the servers' (the same PostgreSQL, user and password).
    const dbSettings = (env: NodeJS.ProcessEnv) =>
      Object.entries(env).filter(([key]) => key.startsWith('TEMPORAL_DB_') || key.endsWith('_DB_NAME'));
    expect(dbSettings(resolvedEnvironment(job))).toEqual(dbSettings(resolvedEnvironment(temporalService)));

    const { persistence } = await renderConfig(temporalService);
    const url = new URL(postgres.url);
    // On TEST_DATABASE_URL the server is shared: databases of our own, named apart.
    const suffix = postgres.server ? '' : `_${url.pathname.slice(1)}`;
    const databases = [persistence.defaultStore, persistence.visibilityStore].map(
      (store) => persistence.datastores[store].sql.databaseName + suffix,
    );
    const env = containerEnvironment(job, {
      TEMPORAL_SQL_TOOL_PATH: clusterBinary('TEMPORAL_SQL_TOOL_PATH', 'temporal-sql-tool'),
      TEMPORAL_DB_HOST: url.hostname,
      TEMPORAL_DB_PORT: url.port,
      TEMPORAL_DB_USER: decodeURIComponent(url.username),
      TEMPORAL_DB_PASSWORD: decodeURIComponent(url.password),
      ...(suffix ? { TEMPORAL_DB_NAME: databases[0], TEMPORAL_VISIBILITY_DB_NAME: databases[1] } : {}),
    });
    const [shell, ...args] = argvOf(job);
    for (let round = 0; round < 2; round++) await run(shell, args, { cwd: ROOT, env });

    for (const database of databases) {
      const target = new URL(postgres.url);
      target.pathname = `/${database}`;
      const client = new pg.Client({ connectionString: target.toString() });
      await client.connect();
      try {
        const { rows } = await client.query<{ curr_version: string }>('SELECT curr_version FROM schema_version');
        expect(rows, database).toHaveLength(1);
        // setup-schema leaves 0.0; update-schema brings it to the embedded schema's latest version.
        expect(rows[0].curr_version, database).toMatch(/^\d+\.\d+$/);
        expect(rows[0].curr_version, database).not.toBe('0.0');
      } finally {
        await client.end();
      }
    }
    if (suffix) {
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      for (const database of databases) await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
      await admin.end();
    }
  });
});

describe("docker-compose.yml's temporal-namespace job", () => {
  let server: DevServerHandle;
  let binDir: string;
  beforeAll(async () => {
    server = await startDevServer();
    // The admin-tools image has the `temporal` CLI on its PATH; here the provisioned one, same release line.
    binDir = mkdtempSync(path.join(tmpdir(), 'compose-cli-'));
    symlinkSync(toolPath('TEMPORAL_CLI_PATH'), path.join(binDir, 'temporal'));
  });
  afterAll(async () => {
    await server?.dispose();
    if (binDir) rmSync(binDir, { recursive: true, force: true });
  });

  it("registers a new namespace with the product's search attributes, and runs again harmlessly", async () => {
    const job = services['temporal-namespace'];
    const namespace = 'compose-namespace-job';
    const env = containerEnvironment(
      job,
      // The CLI reads its profile under HOME, which the image sets.
      { TEMPORAL_ADDRESS: server.address, PATH: `${binDir}:${process.env.PATH}`, HOME: binDir },
      { TEMPORAL_NAMESPACE: namespace },
    );
    expect(env.NAMESPACE).toBe(namespace);
    const [shell, ...args] = argvOf(job).map((word) => composeValue(word));
    for (let round = 0; round < 2; round++) await run(shell, args, { env, timeout: 25_000 });

    const { stdout } = await run(toolPath('TEMPORAL_CLI_PATH'), [
      ...['operator', 'search-attribute', 'list', '--namespace', namespace],
      ...['--address', server.address, '--output', 'json'],
    ]);
    const { customAttributes } = JSON.parse(stdout) as { customAttributes: Record<string, string> };
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_CLI_TYPES)) {
      expect(customAttributes[name], name).toBe(`INDEXED_VALUE_TYPE_${type.toUpperCase()}`);
    }
  });

  /** The namespace's retention of closed workflows, in seconds, as the CLI describes it. */
  async function retentionSeconds(namespace: string): Promise<number> {
    const { stdout } = await run(toolPath('TEMPORAL_CLI_PATH'), [
      ...['operator', 'namespace', 'describe', '--namespace', namespace],
      ...['--address', server.address, '--output', 'json'],
    ]);
    const { config } = JSON.parse(stdout) as { config: { workflowExecutionRetentionTtl: string } };
    return Number.parseFloat(config.workflowExecutionRetentionTtl);
  }

  it("creates the namespace with TEMPORAL_NAMESPACE_RETENTION and sets an existing one's to it when run again", async () => {
    const job = services['temporal-namespace'];
    const namespace = 'compose-namespace-retention';
    const runJob = async (retention?: string) => {
      const operator: Record<string, string> = { TEMPORAL_NAMESPACE: namespace };
      if (retention) operator.TEMPORAL_NAMESPACE_RETENTION = retention;
      const env = containerEnvironment(
        job,
        { TEMPORAL_ADDRESS: server.address, PATH: `${binDir}:${process.env.PATH}`, HOME: binDir },
        operator,
      );
      // Unset, compose passes what the product's tools default to, a value they accept.
      if (!retention) expect(loadNamespaceRetention(env)).toBe(DEFAULT_NAMESPACE_RETENTION_SECONDS);
      const [shell, ...args] = argvOf(job).map((word) => composeValue(word));
      await run(shell, args, { env, timeout: 25_000 });
    };
    await runJob('14d');
    expect(await retentionSeconds(namespace)).toBe(14 * 86_400);
    await runJob('21d');
    expect(await retentionSeconds(namespace)).toBe(21 * 86_400);
    await runJob();
    expect(await retentionSeconds(namespace)).toBe(DEFAULT_NAMESPACE_RETENTION_SECONDS);
  });

  it("is matched by npm run start:cluster's namespace step: a start with another TEMPORAL_NAMESPACE_RETENTION updates the existing namespace", async () => {
    const namespace = 'start-cluster-retention';
    await ensureNamespace(server.address, namespace, 14 * 86_400_000, () => undefined);
    expect(await retentionSeconds(namespace)).toBe(14 * 86_400);
    await ensureNamespace(server.address, namespace, 10 * 86_400_000, () => undefined);
    expect(await retentionSeconds(namespace)).toBe(10 * 86_400);
  });
});

describe("docker-compose.yml's Web UI", () => {
  let ui: ChildProcess | undefined;
  afterAll(() => {
    ui?.kill('SIGTERM');
  });

  it("starts from dev/cluster/ui under its compose environment, with the first API's codec endpoint and token", async () => {
    const [name] = servicesWithImage('temporalio/ui:');
    const service = services[name];
    const environment = resolvedEnvironment(service);
    // In the container it listens on every interface at the port compose publishes; here on a free local port.
    expect(environment.TEMPORAL_UI_HOST).toBe('0.0.0.0');
    expect(publishedTargets(service)).toContain(environment.TEMPORAL_UI_PORT);
    const port = await getFreePort();
    const [, ...args] = argvOf(service);
    ui = spawn(clusterBinary('TEMPORAL_UI_SERVER_PATH', 'temporal-ui-server'), args, {
      cwd: ROOT,
      env: containerEnvironment(service, { TEMPORAL_UI_HOST: '127.0.0.1', TEMPORAL_UI_PORT: String(port) }),
      stdio: 'ignore',
    });
    const settings = await waitFor(
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/api/v1/settings`);
        return response.ok
          ? ((await response.json()) as { Codec: { Endpoint: string }; DefaultNamespace: string })
          : false;
      },
      { description: 'the Web UI server answering /api/v1/settings' },
    );

    const codec = new URL(settings.Codec.Endpoint);
    const api = servicesRunning('api/main.ts').find((apiName) =>
      publishedPorts(services[apiName]).includes(codec.port),
    );
    expect(api, `an API published on ${codec.port}`).toBeDefined();
    const apiEnvironment = resolvedEnvironment(services[api!]);
    expect(codec.pathname).toBe(`/codec/${apiEnvironment.CODEC_AUTH_TOKEN}`);
    const uiOrigin = `http://localhost:${publishedPorts(service)[0]}`;
    expect(apiEnvironment.CODEC_CORS_ORIGINS?.split(',')).toContain(uiOrigin);
    expect(settings.DefaultNamespace).toBe(apiEnvironment.TEMPORAL_NAMESPACE);
  });
});
