/** Errors of the emulator's control API, in the house shape `{ error: { code, message, requestId } }`. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { randomAlphanumeric } from '../ids.js';

/** A control API failure with its HTTP status and stable code. */
export class ControlError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: 'invalid_body' | 'not_found' | 'conflict' | 'internal',
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** Answers a ControlError in the house error shape. */
export function controlErrorResponse(c: Context, error: ControlError): Response {
  return c.json(
    { error: { code: error.code, message: error.message, requestId: `ctl_${randomAlphanumeric(12)}` } },
    error.status,
  );
}

/** Parses a JSON body against `schema`, raising `invalid_body` naming the bad fields. */
export async function readJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ControlError(400, 'invalid_body', 'body is not valid JSON');
    }
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw new ControlError(400, 'invalid_body', issues.join('; '));
  }
  return result.data;
}
