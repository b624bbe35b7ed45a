/** PostgreSQL for tests: a throw-away embedded server, or a fresh database on TEST_DATABASE_URL. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../dev/embedded-postgres.js';
import { getFreePort } from './free-port.js';

/** A database a test may use freely, and how to get rid of it. */
export interface TestPostgres {
  /** Connection URL of the test's own database. */
  url: string;
  /** The embedded server, which a test may stop and start again; null on TEST_DATABASE_URL (a server the tests do not own). */
  server: PostgresServerHandle | null;
  /** Drops the database or stops the embedded server (deleting its data). */
  stop(): Promise<void>;
}

/** An embedded server a test controls: `stop()` simulates an outage, `restart()` recovers it. */
export interface PostgresServerHandle {
  /** Stops the server (fast shutdown: open transactions roll back); its data directory stays. */
  stop(): Promise<void>;
  /** Starts it again on the same data directory and port and waits until it answers. */
  restart(): Promise<void>;
}

/**
 * With TEST_DATABASE_URL set, creates a randomly named database on that server; otherwise starts
 * embedded PostgreSQL in a temp directory on a free port with a database `bookings_test`.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const existing = process.env.TEST_DATABASE_URL;
  if (existing) return createDatabaseOn(existing);

  const dir = await mkdtemp(path.join(tmpdir(), 'bookings-pg-'));
  const options = {
    dataDir: path.join(dir, 'data'),
    port: await getFreePort(),
    password: randomBytes(12).toString('hex'),
    database: 'bookings_test',
  };
  let server = await startEmbeddedPostgres(options).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: server.url,
    server: {
      stop: () => server.stop(),
      async restart() {
        await server.stop();
        server = await startEmbeddedPostgres(options);
      },
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function createDatabaseOn(serverUrl: string): Promise<TestPostgres> {
  const database = `bookings_test_${randomBytes(6).toString('hex')}`;
  await createDatabaseIfMissing(serverUrl, database);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    server: null,
    async stop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${client.escapeIdentifier(database)} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
