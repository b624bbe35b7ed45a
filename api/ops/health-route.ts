/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: Temporal and Postgres answer). */
import { createRoute, z } from '@hono/zod-openapi';
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import { ApiError } from '../http/errors.js';
import { describeError, type Logger } from '../../telemetry/logger.js';
import { createRouter } from '../http/router.js';
import { unavailableResponseSpec } from '../http/schemas.js';

/** What the readiness check probes. */
export interface HealthRoutesDeps {
  temporal: Client;
  db: pg.Pool;
  logger: Logger;
  /** How long each dependency may take to answer before it counts as down. */
  checkTimeoutMs?: number;
}

/** Liveness / readiness answer. */
export const HealthSchema = z
  .object({ status: z.literal('ok'), checks: z.record(z.string(), z.literal('ok')).optional() })
  .openapi('Health');

const healthResponse = { description: 'OK', content: { 'application/json': { schema: HealthSchema } } };

const livenessRoute = createRoute({
  operationId: 'getLiveness',
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: the process is up',
  responses: { 200: healthResponse },
});

const readinessRoute = createRoute({
  operationId: 'getReadiness',
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: Temporal and Postgres both answer',
  responses: { 200: healthResponse, 503: unavailableResponseSpec('A dependency is unreachable (`not_ready`)') },
});

function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The health sub-app, mounted at the root. */
export function createHealthRoutes({ temporal, db, logger, checkTimeoutMs = 2_000 }: HealthRoutesDeps) {
  const checks: Record<string, () => Promise<unknown>> = {
    temporal: () =>
      temporal.withDeadline(Date.now() + checkTimeoutMs, () => temporal.workflowService.getSystemInfo({})),
    postgres: () => withTimeout(db.query('SELECT 1'), checkTimeoutMs, 'postgres'),
  };

  const router = createRouter();

  router.openapi(livenessRoute, (c) => c.json({ status: 'ok' as const }, 200));

  router.openapi(readinessRoute, async (c) => {
    const names = Object.keys(checks);
    const results = await Promise.allSettled(names.map((name) => checks[name]()));
    const down = names.filter((name, index) => {
      const result = results[index];
      if (result.status === 'fulfilled') return false;
      logger.warn('readiness check failed', { check: name, error: describeError(result.reason) });
      return true;
    });
    if (down.length > 0) throw new ApiError('not_ready', `Unreachable: ${down.join(', ')}`);
    return c.json(
      { status: 'ok' as const, checks: Object.fromEntries(names.map((name) => [name, 'ok' as const])) },
      200,
    );
  });

  return router;
}
