/**
 * Proves the shared test infrastructure works on this machine: the time-skipping server skips
 * time, a dev server keeps a workflow across an outage (stop, restart on its db file), the
 * SDK-managed dev server starts, and embedded PostgreSQL answers.
 */
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createDevServerEnv, startDevServer, type DevServerHandle } from '../../harness/dev-server-env.js';
import { startTestPostgres } from '../../harness/postgres.js';
import { createTimeSkippingEnv } from '../../harness/time-skipping-env.js';

describe('test infrastructure', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('time-skipping server skips a day of workflow time in moments', async () => {
    const env = await createTimeSkippingEnv();
    cleanups.push(() => env.teardown());
    const before = await env.currentTimeMs();
    const startedAt = Date.now();

    await env.sleep('1 day');

    expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    expect(Date.now() - startedAt).toBeLessThan(10_000);
  });

  it('dev server keeps a running workflow across a stop and restart on its db file', async () => {
    const server: DevServerHandle = await startDevServer();
    cleanups.push(() => server.dispose());
    const workflowId = `infrastructure-probe-${Date.now()}`;

    let connection = await Connection.connect({ address: server.address });
    // No worker polls this queue: the execution simply stays open, which is all this test needs.
    await new Client({ connection }).workflow.start('infrastructureProbe', {
      taskQueue: 'infrastructure-probe',
      workflowId,
    });
    await connection.close();

    await server.stop();
    await server.restart();

    connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
  });

  it('dev server keeps its db file in write-ahead-log mode, so a commit does not sync the disk', async () => {
    const server: DevServerHandle = await startDevServer();
    cleanups.push(() => server.dispose());
    await server.stop();

    // SQLite's file header: bytes 18 and 19 (write and read versions) are 2 in WAL mode, 1 with a
    // rollback journal (https://www.sqlite.org/fileformat2.html#the_database_header).
    const header = (await readFile(server.dbFile)).subarray(0, 20);
    expect(header.subarray(0, 15).toString('latin1')).toBe('SQLite format 3');
    expect([header[18], header[19]]).toEqual([2, 2]);
  });

  it('SDK-managed dev server answers on its own port', async () => {
    const env = await createDevServerEnv();
    cleanups.push(() => env.teardown());
    const { namespaceInfo } = await env.connection.workflowService.describeNamespace({ namespace: 'default' });
    expect(namespaceInfo?.name).toBe('default');
  });

  it('embedded PostgreSQL answers a query in its own database', async () => {
    const postgres = await startTestPostgres();
    cleanups.push(() => postgres.stop());
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const result = await client.query<{ answer: number; db: string }>('select 1 as answer, current_database() as db');
      expect(result.rows[0]).toEqual({ answer: 1, db: 'bookings_test' });
    } finally {
      await client.end();
    }
  });
});
