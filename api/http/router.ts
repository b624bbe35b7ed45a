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
export function describeIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string {
  return issues
    .map((issue) => {
      const path = [...prefix, ...issue.path];
      if (issue.code === 'invalid_union') {
        const variant = matchingVariant(issue.errors);
        if (variant) return describeIssues(variant, path);
      }
      const field = path.map(String).join('.') || '(body)';
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * The variant of a failed union the request meant (for `oneOf` bodies told apart by their keys):
 * of those that neither forbid a key the request has nor find wrong a key only they look at, the
 * one with the fewest issues. Undefined when none fits: the union's own message ("give exactly one
 * of …") says it best.
 */
function matchingVariant(variants: readonly (readonly z.core.$ZodIssue[])[]): readonly z.core.$ZodIssue[] | undefined {
  const rootKey = (issue: z.core.$ZodIssue) => (issue.path.length === 1 ? String(issue.path[0]) : undefined);
  const wrongKeysIn = (issues: readonly z.core.$ZodIssue[]) =>
    issues
      .filter(
        (issue) => (issue.code === 'invalid_type' || issue.code === 'invalid_value') && rootKey(issue) !== undefined,
      )
      .map(rootKey);
  const fitting = variants.filter((issues, index) => {
    if (issues.some((issue) => issue.code === 'unrecognized_keys' && issue.path.length === 0)) return false;
    const others = variants.filter((_, other) => other !== index).map(wrongKeysIn);
    // A key wrong in this variant only is one the request lacks and the other variants do not need.
    return !wrongKeysIn(issues).some((key) => others.every((keys) => !keys.includes(key)));
  });
  return fitting.reduce<readonly z.core.$ZodIssue[] | undefined>(
    (best, issues) => (best === undefined || issues.length < best.length ? issues : best),
    undefined,
  );
}

const rejectInvalidInput: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) throw new ApiError('validation_failed', describeIssues(result.error.issues));
};

/** A sub-app whose schema violations all become 422 `validation_failed`. */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalidInput });
}
