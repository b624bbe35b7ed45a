/** Temporal dev servers (the real server, in SQLite) for integration tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment, type LocalTestWorkflowEnvironmentOptions } from '@temporalio/testing';
import { startTemporalDevServer, type TemporalDevServer } from '../dev/temporal-dev-server.js';
import { SEARCH_ATTRIBUTES } from '../workflows/common/search-attributes.js';
import { getFreePort } from './free-port.js';
import { toolPath } from './tool-paths.js';

/**
 * A dev server managed by the SDK on a free port, from TEMPORAL_CLI_PATH, with the product's
 * search attributes registered; `options.server` passes through (e.g. more `searchAttributes`,
 * `namespace`). Call `env.teardown()` after.
 */
export async function createDevServerEnv(
  options: LocalTestWorkflowEnvironmentOptions = {},
): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    ...options,
    server: {
      ...options.server,
      searchAttributes: [...SEARCH_ATTRIBUTES, ...(options.server?.searchAttributes ?? [])],
      executable: { type: 'existing-path', path: toolPath('TEMPORAL_CLI_PATH') },
    },
  });
}

/** Options for {@link startDevServer}. */
export interface StartDevServerOptions {
  /** SQLite file that keeps state across stop/restart; a fresh temp file when unset. */
  dbFile?: string;
  /** gRPC port; a free one when unset. */
  port?: number;
  /** Web UI port; headless when unset. */
  uiPort?: number;
  /** Search attributes to register besides the product's own, name → type (`Keyword`, `Text`, `Int`, `Datetime`, ...). */
  searchAttributes?: Record<string, string>;
  /** Echo the server's output (default false; it is shown when start-up fails). */
  echo?: boolean;
  /** Workflow retention set on the `default` namespace, in seconds; the dev server's own when unset. */
  namespaceRetentionSeconds?: number;
}

/** A dev server process the test controls: `stop()` simulates an outage, `restart()` recovers it. */
export interface DevServerHandle {
  /** `127.0.0.1:<port>` of the gRPC frontend (stays the same across restarts). */
  address: string;
  /** The SQLite file holding the server's state. */
  dbFile: string;
  /** Stops the server; its state stays in `dbFile`. */
  stop(): Promise<void>;
  /** Starts it again on the same port and db file and waits until it answers. */
  restart(): Promise<void>;
  /** Stops the server for good and deletes the temp db file it created (a given `dbFile` is kept). */
  dispose(): Promise<void>;
}

/** Spawns `temporal server start-dev` on a db file and waits until its gRPC frontend answers. */
export async function startDevServer(options: StartDevServerOptions = {}): Promise<DevServerHandle> {
  const tempDir = options.dbFile ? undefined : await mkdtemp(path.join(tmpdir(), 'temporal-dev-'));
  const dbFile = options.dbFile ?? path.join(tempDir!, 'temporal.db');
  const server: TemporalDevServer = await startTemporalDevServer({
    cliPath: toolPath('TEMPORAL_CLI_PATH'),
    port: options.port ?? (await getFreePort()),
    uiPort: options.uiPort,
    dbFile,
    searchAttributes: options.searchAttributes,
    echo: options.echo,
    namespaceRetentionSeconds: options.namespaceRetentionSeconds,
  });
  return {
    address: server.address,
    dbFile,
    stop: () => server.stop(),
    restart: () => server.restart(),
    async dispose() {
      await server.stop();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}
