/**
 * Records the PaymentIntent statuses the booking activities learn from Stripe, for the inbox relay
 * (inbox/learned-statuses.ts): a webhook that only repeats one of them is not signalled.
 */
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { recordLearnedStatus, type LearnedStatus } from '../../inbox/learned-statuses.js';
import { describeError } from '../../telemetry/logger.js';

/**
 * The PaymentIntent snapshots in an activity's result: the result itself, or one of its fields
 * (`snapshot` of a microdeposit check, `paymentIntent` of a placed hold).
 */
export function learnedStatusesIn(result: unknown): LearnedStatus[] {
  const fields = result !== null && typeof result === 'object' ? Object.values(result) : [];
  const candidates = [result, ...fields];
  return candidates.filter(isLearnedStatus).map(({ paymentIntentId, status }) => ({ paymentIntentId, status }));
}

function isLearnedStatus(value: unknown): value is LearnedStatus {
  if (value === null || typeof value !== 'object') return false;
  const { paymentIntentId, status } = value as Record<string, unknown>;
  return typeof paymentIntentId === 'string' && paymentIntentId.length > 0 && typeof status === 'string';
}

/**
 * Wraps each activity so that the PaymentIntent statuses in its result are recorded before it
 * returns. Best effort: when Postgres cannot take the record, the activity still answers (the relay
 * then signals the repeating event, as it did before any status was recorded).
 */
export function recordingLearnedStatuses<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  db: Pool,
  activities: T,
): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, activity] of Object.entries(activities)) {
    wrapped[name] = async (...args) => {
      const result = await activity(...args);
      for (const learned of learnedStatusesIn(result)) {
        try {
          await recordLearnedStatus(db, learned);
        } catch (error) {
          Context.current().log.warn('learned PaymentIntent status not recorded', {
            paymentIntentId: learned.paymentIntentId,
            error: describeError(error),
          });
        }
      }
      return result;
    };
  }
  return wrapped as T;
}
