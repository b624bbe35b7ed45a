/** Bearer-token guard for the booking service's routes. */
import type { MiddlewareHandler } from 'hono';
import { bearerTokenOf, tokenMatcher } from '../../config/bearer-tokens.js';
import { ApiError } from './errors.js';

/** Rejects requests whose `Authorization: Bearer <token>` is missing or none of `tokens` (one, or several comma-separated) (401). */
export function requireBearerToken(tokens: string): MiddlewareHandler {
  const matches = tokenMatcher(tokens);
  return async (c, next) => {
    if (!matches(bearerTokenOf(c.req.header('Authorization')))) {
      throw new ApiError('unauthorized', 'Missing or invalid bearer token');
    }
    await next();
  };
}
