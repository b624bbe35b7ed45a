/**
 * Stripe writes numbered by the workflow: the attempt picks the idempotency key, and decides
 * whether a 5xx is retried under the same key or answered as an unknown outcome.
 */
import { classifyStripeError } from './classify-stripe-error.js';

/**
 * Which write attempt of its operation a Stripe write is (set by workflows that resolve unknown
 * outcomes by reading Stripe): picks the idempotency key, and makes a 5xx a StripeOutcomeUnknown
 * failure instead of a retry under the same key. Absent for workflows that predate it.
 */
export interface WriteAttempt {
  writeAttempt?: number;
}

/** Classifies the error of a Stripe write: a 5xx is an unknown outcome when the workflow numbers its write attempts. */
export function classifyWriteError(error: unknown, write: WriteAttempt): unknown {
  return classifyStripeError(error, { outcomeUnknown: write.writeAttempt !== undefined });
}

/** A `.catch` handler for a Stripe write that throws its classified error. */
export function rethrowWriteError(write: WriteAttempt): (error: unknown) => never {
  return (error) => {
    throw classifyWriteError(error, write);
  };
}
