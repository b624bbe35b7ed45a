/** Reports every request that may have changed the emulator's state, so it can be saved. */
import type { MiddlewareHandler } from 'hono';

/** Calls `onChange` after each request other than GET, HEAD and OPTIONS (reads change nothing). */
export function stateChanges(onChange: () => void): MiddlewareHandler {
  return async (c, next) => {
    try {
      await next();
    } finally {
      if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.req.method !== 'OPTIONS') onChange();
    }
  };
}
