/** How long the relay waits before trying again: an event that could not be delivered, and a pass that failed whole. */

/** Backoff between delivery attempts of one event: `initialDelayMs` doubling up to `maxDelayMs`. */
export interface RelayRetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** 1 s doubling, capped at 60 s. */
export const DEFAULT_RELAY_RETRY: RelayRetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 60_000 };

/** Delay before the next attempt, given how many attempts already failed. */
export function retryDelayMs(failedAttempts: number, policy: RelayRetryPolicy = DEFAULT_RELAY_RETRY): number {
  return Math.min(policy.initialDelayMs * 2 ** Math.min(failedAttempts, 30), policy.maxDelayMs);
}

/** Longest pause between passes while the database keeps failing. */
const MAX_PASS_BACKOFF_MS = 30_000;

/** Pause before the next pass after `consecutiveFailures` failed ones: the interval doubling, up to 30 s. */
export function passBackoffMs(intervalMs: number, consecutiveFailures: number): number {
  return Math.min(intervalMs * 2 ** Math.min(consecutiveFailures, 10), MAX_PASS_BACKOFF_MS);
}
