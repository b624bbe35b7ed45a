/** Bearer-token guard for the booking service's routes. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';

// Hashing both sides gives equal-length buffers, so the comparison's timing reveals neither content nor length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Rejects requests whose `Authorization: Bearer <token>` is missing or differs from `expectedToken` (401). */
export function requireBearerToken(expectedToken: string): MiddlewareHandler {
  const expected = digest(expectedToken);
  return async (c, next) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '');
    if (!match?.[1] || !timingSafeEqual(digest(match[1]), expected)) {
      throw new ApiError('unauthorized', 'Missing or invalid bearer token');
    }
    await next();
  };
}
