/** Searching Stripe's paginated lists. */
import { rethrowClassified } from './classify-stripe-error.js';

/** The first of a Stripe list (every page as needed) that `matches`, or null; Stripe errors classified. */
export async function firstOf<T>(items: AsyncIterable<T>, matches: (item: T) => boolean): Promise<T | null> {
  try {
    for await (const item of items) if (matches(item)) return item;
  } catch (error) {
    rethrowClassified(error);
  }
  return null;
}
