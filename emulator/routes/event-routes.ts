/** `/v1/events`: list (newest first, filtered by created, type, types) and retrieve. */
import { Hono } from 'hono';
import { buildList } from '../objects/list.js';
import type { EventObject } from '../objects/event.js';
import type { RequestParams } from '../request-params.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { parameterInvalid, resourceMissing } from '../stripe-errors.js';
import { stripeJson } from './stripe-json.js';

const LIST_PARAMETERS = [
  'created',
  'delivery_success',
  'ending_before',
  'expand',
  'limit',
  'starting_after',
  'type',
  'types',
];
const RANGE_OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;

function parseTimestamp(name: string, value: unknown): number {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw parameterInvalid(name, `Invalid integer: ${String(value)}`, 'parameter_invalid_integer');
  }
  return Number(value);
}

/** A predicate for Stripe's `created` filter: an exact time or a `{gt,gte,lt,lte}` range. */
function createdFilter(params: RequestParams): (created: number) => boolean {
  const raw = params.raw('created');
  if (raw === undefined) return () => true;
  if (typeof raw === 'string') {
    const exact = parseTimestamp('created', raw);
    return (created) => created === exact;
  }
  if (Array.isArray(raw)) throw parameterInvalid('created', 'Invalid hash', 'parameter_invalid_object');
  const bounds: Partial<Record<(typeof RANGE_OPERATORS)[number], number>> = {};
  for (const [operator, value] of Object.entries(raw)) {
    if (!(RANGE_OPERATORS as readonly string[]).includes(operator))
      throw parameterInvalid(
        `created[${operator}]`,
        `Received unknown parameter: created[${operator}]`,
        'parameter_unknown',
      );
    bounds[operator as (typeof RANGE_OPERATORS)[number]] = parseTimestamp(`created[${operator}]`, value);
  }
  return (created) =>
    (bounds.gt === undefined || created > bounds.gt) &&
    (bounds.gte === undefined || created >= bounds.gte) &&
    (bounds.lt === undefined || created < bounds.lt) &&
    (bounds.lte === undefined || created <= bounds.lte);
}

/** Stripe's `type` filter accepts one `*` wildcard, e.g. `payment_intent.*`. */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes('*')) return (type) => type === pattern;
  const [prefix, suffix] = pattern.split('*', 2);
  return (type) => type.startsWith(prefix) && type.endsWith(suffix) && type.length >= prefix.length + suffix.length;
}

/** Routes for Event objects. */
export function eventRoutes(runtime: EmulatorRuntime): Hono<StripeApiEnv> {
  const routes = new Hono<StripeApiEnv>();

  routes.get('/', (c) => {
    const params = c.get('params').rejectUnknown(LIST_PARAMETERS);
    const limit = params.optionalInteger('limit') ?? 10;
    if (limit < 1 || limit > 100) {
      throw parameterInvalid(
        'limit',
        'This value must be between 1 and 100 (it currently is ' + limit + ').',
        'parameter_invalid_integer',
      );
    }
    const type = params.optionalString('type');
    const types = params.optionalStringList('types');
    if (type && types) throw parameterInvalid('types', 'You may only specify one of these parameters: type, types.');
    const matchesType = type ? typeMatcher(type) : types ? (t: string) => types.includes(t) : () => true;
    const matchesCreated = createdFilter(params);

    let events: EventObject[] = [...runtime.store.events].reverse();
    events = events.filter((event) => matchesType(event.type) && matchesCreated(event.created));
    const startingAfter = params.optionalString('starting_after');
    const endingBefore = params.optionalString('ending_before');
    let page: EventObject[];
    let hasMore: boolean;
    if (endingBefore) {
      const index = events.findIndex((event) => event.id === endingBefore);
      if (index < 0) throw resourceMissing('event', endingBefore, 'ending_before');
      const before = events.slice(0, index);
      page = before.slice(Math.max(0, before.length - limit));
      hasMore = before.length > limit;
    } else {
      let start = 0;
      if (startingAfter) {
        const index = events.findIndex((event) => event.id === startingAfter);
        if (index < 0) throw resourceMissing('event', startingAfter, 'starting_after');
        start = index + 1;
      }
      page = events.slice(start, start + limit);
      hasMore = events.length > start + limit;
    }
    return stripeJson(c, buildList('/v1/events', page, hasMore));
  });

  routes.get('/:id', (c) => {
    const event = runtime.store.eventsById.get(c.req.param('id'));
    if (!event) throw resourceMissing('event', c.req.param('id'));
    return stripeJson(c, event);
  });

  return routes;
}
