/**
 * Stripe's list endpoints: newest first, `limit` 1 to 100 (default 10), cursors `starting_after` and
 * `ending_before`, answered in the list envelope (docs.stripe.com/api/pagination).
 */
import type { Context } from 'hono';
import { expandObject } from '../expand.js';
import { buildList } from '../objects/list.js';
import type { RequestParams } from '../request-params.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { parameterInvalid, resourceMissing } from '../stripe-errors.js';
import { stripeJson } from './stripe-json.js';

/** The paging parameters every list endpoint accepts. */
export const PAGING_PARAMETERS = ['ending_before', 'expand', 'limit', 'starting_after'] as const;

/** A page of `items` (newest first) after `startingAfter` or before `endingBefore`, as Stripe's cursors page lists. */
export function pageOf<T extends { id: string }>(
  objectName: string,
  items: T[],
  limit: number,
  startingAfter?: string,
  endingBefore?: string,
): { page: T[]; hasMore: boolean } {
  if (endingBefore !== undefined) {
    const index = items.findIndex((item) => item.id === endingBefore);
    if (index < 0) throw resourceMissing(objectName, endingBefore, 'ending_before');
    const before = items.slice(0, index);
    return { page: before.slice(Math.max(0, before.length - limit)), hasMore: before.length > limit };
  }
  let start = 0;
  if (startingAfter !== undefined) {
    const index = items.findIndex((item) => item.id === startingAfter);
    if (index < 0) throw resourceMissing(objectName, startingAfter, 'starting_after');
    start = index + 1;
  }
  return { page: items.slice(start, start + limit), hasMore: items.length > start + limit };
}

/** The `limit` parameter, checked as Stripe checks it. */
export function listLimit(params: RequestParams): number {
  const limit = params.optionalInteger('limit') ?? 10;
  if (limit < 1 || limit > 100) {
    throw parameterInvalid(
      'limit',
      `This value must be between 1 and 100 (it currently is ${limit}).`,
      'parameter_invalid_integer',
    );
  }
  return limit;
}

/** Answers one page of `items` (oldest first, as stored) in Stripe's list envelope. */
export function listAnswer<T extends { id: string }>(
  c: Context<StripeApiEnv>,
  runtime: EmulatorRuntime,
  objectName: string,
  url: string,
  items: T[],
): Response {
  const params = c.get('params');
  const { page, hasMore } = pageOf(
    objectName,
    [...items].reverse(),
    listLimit(params),
    params.optionalString('starting_after'),
    params.optionalString('ending_before'),
  );
  return stripeJson(
    c,
    expandObject(buildList(url, page, hasMore), params.expand(), (id) => runtime.store.findObject(id)),
  );
}
