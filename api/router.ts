/** The Hono environment shared by every sub-app, and the factory that builds them with one validation hook. */
import { OpenAPIHono, type Hook } from '@hono/zod-openapi';
import type { RequestIdVariables } from 'hono/request-id';
import type { z } from 'zod';
import { ApiError } from './errors.js';

/** Variables every request carries (set by middleware in `createApp`). */
export interface AppEnv {
  Variables: RequestIdVariables & {
    /** The booking a request is about when its path does not name it (`POST /v1/bookings`), for the access log. */
    bookingId?: string;
  };
}

/** "customer.email: Invalid email address; endsAt: must be after startsAt" — fields and reasons, never values. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = issue.path.map(String).join('.') || '(body)';
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

const rejectInvalidInput: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw new ApiError('validation_failed', describeIssues(result.error.issues));
};

/** A sub-app whose schema violations all become 422 `validation_failed`. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalidInput });
}
