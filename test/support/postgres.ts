/** PostgreSQL for tests: a throw-away embedded server, or a fresh database on TEST_DATABASE_URL. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../../dev/embedded-postgres.js';
import { getFreePort } from './free-port.js';

/** A database a test may use freely, and how to get rid of it. */
export interface TestPostgres {
  /** Connection URL of the test's own database. */
  url: string;
  /** Drops the database or stops the embedded server (deleting its data). */
  stop(): Promise<void>;
}

/**
 * With TEST_DATABASE_URL set, creates a randomly named database on that server; otherwise starts
 * embedded PostgreSQL in a temp directory on a free port with a database `bookings_test`.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const existing = process.env.TEST_DATABASE_URL;
  if (existing) return createDatabaseOn(existing);

  const dir = await mkdtemp(path.join(tmpdir(), 'bookings-pg-'));
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'data'),
    port: await getFreePort(),
    password: randomBytes(12).toString('hex'),
    database: 'bookings_test',
  }).catch(async (error: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw error;
  });
  return {
    url: server.url,
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
