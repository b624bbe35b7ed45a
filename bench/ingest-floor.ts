/**
 * The webhook ingest floor: what this machine can do at all for a webhook. A bare Hono receiver that
 * reads the raw body, verifies `Stripe-Signature` with stripe's webhook verification (as the API does)
 * and commits one INSERT per event into a table of its own on the stack's PostgreSQL, answering 200
 * once it committed. No routing, inbox rules, logging, metrics or relay: the API's receiver is
 * measured against it with the same load generator (bench/webhook-ingest.ts).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import Stripe from 'stripe';
import { createPool } from '../db/pool.js';
import { getFreePort } from '../harness/free-port.js';

/** The floor's own table, created when it starts and dropped when it stops. */
export const INGEST_FLOOR_TABLE = 'bench_ingest_floor_events';

/** A running floor receiver. */
export interface IngestFloor {
  /** Where the load generator POSTs its signed events. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the floor receiver on a free loopback port with a pool of its own (the API's size, 10) on
 * `databaseUrl`, verifying with the first of `webhookSecret`'s comma-separated secrets.
 */
export async function startIngestFloor({
  databaseUrl,
  webhookSecret,
}: {
  databaseUrl: string;
  webhookSecret: string;
}): Promise<IngestFloor> {
  const secret = webhookSecret.split(',')[0].trim();
  const db = createPool(databaseUrl);
  try {
    await db.query(`DROP TABLE IF EXISTS ${INGEST_FLOOR_TABLE}`);
    await db.query(
      `CREATE TABLE ${INGEST_FLOOR_TABLE} (id text PRIMARY KEY, payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`,
    );
  } catch (error) {
    await db.end();
    throw error;
  }
  const app = new Hono();
  app.post('/webhook', async (c) => {
    const raw = await c.req.text();
    let event: { id: string };
    try {
      event = await Stripe.webhooks.constructEventAsync(raw, c.req.header('Stripe-Signature') ?? '', secret);
    } catch {
      return c.json({ error: { code: 'invalid_signature' } }, 400);
    }
    await db.query(`INSERT INTO ${INGEST_FLOOR_TABLE} (id, payload) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [
      event.id,
      raw,
    ]);
    return c.json({ received: true }, 200);
  });
  const port = await getFreePort();
  const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.query(`DROP TABLE IF EXISTS ${INGEST_FLOOR_TABLE}`).catch(() => undefined);
      await db.end();
    },
  };
}
