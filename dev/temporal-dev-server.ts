/**
 * Runs `temporal server start-dev` as a managed child that can be stopped and restarted on the
 * same SQLite file: `npm start` uses it for the local cluster, integration tests to simulate an
 * outage of Temporal. Registers the product's search attributes (workflows/common/search-attributes.ts) and, when
 * given, sets the namespaces' workflow retention.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { SEARCH_ATTRIBUTE_CLI_TYPES } from '../workflows/common/search-attributes.js';
import { describeExit, startChild, type ManagedChild } from './child-process.js';
import { registerSearchAttributes } from './register-search-attributes.js';

/**
 * SQLite's defaults (a rollback journal, `synchronous=FULL`) sync the disk several times per commit,
 * and the dev server commits on every signal, timer and task: under a webhook burst the disk's
 * writeback, not Temporal, bounded the relay. Write-ahead logging with `synchronous=NORMAL` syncs
 * at checkpoints instead; a commit survives the server's crash or kill, and only a power loss may
 * take back the last ones (https://www.sqlite.org/wal.html, https://www.sqlite.org/pragma.html#pragma_synchronous).
 * The mode is kept in the file, so an older `.data/temporal.db` is switched at its next launch.
 */
const SQLITE_PRAGMAS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];

/** How to run the dev server. */
export interface TemporalDevServerOptions {
  /** Path of the `temporal` CLI (TEMPORAL_CLI_PATH). */
  cliPath: string;
  /** gRPC port of the frontend. */
  port: number;
  ip?: string;
  /** SQLite file keeping state across restarts; in memory when unset. */
  dbFile?: string;
  /** Web UI port; no UI when unset. */
  uiPort?: number;
  /** Namespaces created at launch besides `default`. */
  namespaces?: string[];
  /**
   * Retention of closed workflows set on `default` and `namespaces` at every launch (TEMPORAL_NAMESPACE_RETENTION),
   * in seconds; unset, the dev server's own (1 day).
   */
  namespaceRetentionSeconds?: number;
  /**
   * Search attributes to register besides the product's own (SEARCH_ATTRIBUTES, always registered),
   * name → type (`Keyword`, `Text`, `Int`, `Datetime`, ...).
   */
  searchAttributes?: Record<string, string>;
  /** Remote codec endpoint the Web UI calls to show decrypted payloads. */
  uiCodecEndpoint?: string;
  /** Name used as the output prefix. */
  name?: string;
  /** Echo the server's output (default false: it is kept and shown only when start-up fails). */
  echo?: boolean;
  /** How long to wait for the frontend to answer. */
  readyTimeoutMs?: number;
}

/** A dev server that is running (or stopped, waiting to be restarted). */
export interface TemporalDevServer {
  /** `host:port` of the gRPC frontend. */
  readonly address: string;
  /** Web UI URL when the UI is enabled. */
  readonly uiUrl: string | undefined;
  /** The current server process. */
  child(): ManagedChild;
  /** Stops the server; its db file, if any, keeps the state. */
  stop(): Promise<void>;
  /** Stops (if running) and starts it again with the same options, then waits until it answers. */
  restart(): Promise<void>;
}

/** Starts the dev server and resolves once its frontend answers on `address`. */
export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port}`;
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(options.port), '--log-level', 'warn'];
  if (options.dbFile) args.push('--db-filename', options.dbFile, ...SQLITE_PRAGMAS);
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.uiPort && options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);
  for (const [key, type] of Object.entries({ ...SEARCH_ATTRIBUTE_CLI_TYPES, ...options.searchAttributes })) {
    args.push('--search-attribute', `${key}=${type}`);
  }

  const launch = async (): Promise<ManagedChild> => {
    const child = startChild({
      name: options.name ?? 'temporal',
      command: options.cliPath,
      args,
      echo: options.echo ?? false,
    });
    try {
      await waitUntilTemporalAnswers(address, child, options.readyTimeoutMs ?? 60_000);
      // The flags above only register them when the database is new: an existing one gets them here.
      const connection = await Connection.connect({ address });
      try {
        for (const namespace of ['default', ...(options.namespaces ?? [])]) {
          await registerSearchAttributes(connection, namespace);
          if (options.namespaceRetentionSeconds !== undefined)
            await setNamespaceRetention(connection, namespace, options.namespaceRetentionSeconds);
        }
      } finally {
        await connection.close();
      }
    } catch (error) {
      await child.stop({ timeoutMs: 5_000 });
      throw error;
    }
    return child;
  };

  let current = await launch();
  return {
    address,
    uiUrl: options.uiPort ? `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${options.uiPort}` : undefined,
    child: () => current,
    async stop() {
      await current.stop({ timeoutMs: 15_000 });
    },
    async restart() {
      await current.stop({ timeoutMs: 15_000 });
      current = await launch();
    },
  };
}

/** Sets how long the namespace keeps closed workflows (its other settings stay as they are). */
export async function setNamespaceRetention(connection: Connection, namespace: string, seconds: number): Promise<void> {
  await connection.workflowService.updateNamespace({
    namespace,
    config: { workflowExecutionRetentionTtl: msToTs(seconds * 1000) },
  });
}

/** Polls the frontend until the `default` namespace is described, or fails with the server's output. */
async function waitUntilTemporalAnswers(address: string, child: ManagedChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!child.isRunning()) {
      const exit = await child.exited;
      throw new Error(`Temporal dev server exited during start-up (${describeExit(exit)}):\n${child.recentOutput()}`);
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `Temporal dev server on ${address} did not answer within ${timeoutMs} ms (${String(lastError)}):\n${child.recentOutput()}`,
  );
}
