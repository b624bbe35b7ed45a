/** Stripe's list envelope (`{ object: 'list', data, has_more, url }`). */

/** A page of objects as Stripe's list endpoints return it. */
export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

/** Wraps a page of objects in Stripe's list envelope. */
export function buildList<T>(url: string, data: T[], hasMore: boolean): ListObject<T> {
  return { object: 'list', data, has_more: hasMore, url };
}
