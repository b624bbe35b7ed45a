/**
 * Every Stripe write of a workflow goes through here, so a write whose outcome is unknown is
 * resolved the same way whatever it is.
 *
 * Stripe saves the result of a request that started executing, 5xx included, and answers every
 * retry under its idempotency key with it; it keeps a key for at least 24 hours and then runs a
 * request under it afresh (docs.stripe.com/api/idempotent_requests). So a write answered with a 5xx,
 * or never answered (timeouts, an outage that outlasted the activity's retries), is resolved by
 * reading Stripe (the PaymentIntent, its refunds, the SetupIntent…), not by sending it again under
 * the same key; and a key that may have expired is never sent again without reading first. When the
 * read shows the write did not happen, it is sent under a new key: the operation's key plus a write
 * attempt number kept in workflow state (never time, the run or the activity attempt).
 */
import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';
import type { PaymentIntentSnapshot } from '../../activities/common/payment-intent-snapshot.js';
import { stripeWrites } from './activity-stubs.js';
import {
  FailureTypes,
  type BookingCustomer,
  type StripeWriteLedger,
  type StripeWriteRecord,
} from '../booking/contract.js';

/** Patch: writes are resolved by reading Stripe when their outcome is unknown; older histories re-sent under the same key. */
export const READ_UNKNOWN_STRIPE_WRITES_PATCH = 'read-unknown-stripe-writes';

/**
 * Patch: a write Stripe can make in one request is sent as one (the hold placed with `confirm: true`
 * and its customer ensured in the same activity); older histories create, then confirm.
 */
export const ONE_CALL_STRIPE_WRITES_PATCH = 'one-call-stripe-writes';

/**
 * A key first sent this long ago may be forgotten by Stripe before a retry reaches it (24 hours,
 * less a margin for clocks and a request on its way), so it is read around before any reuse.
 */
export const KEY_REUSE_LIMIT_MS = 20 * 60 * 60 * 1000;

/** Sends under new keys within one call, each after a read showed the last one did not happen. */
const SEND_ROUNDS = 3;

/** One Stripe write, as the mechanism needs it. */
export interface StripeWrite<T> {
  /** Names the business operation within the workflow, e.g. `refund:pi_…`, `hold-confirm:2`. */
  operation: string;
  /**
   * Sends the write; `writeAttempt` picks its idempotency key. Undefined in histories from before
   * the patch: the activity then keeps its old key and retry behaviour.
   */
  send(writeAttempt: number | undefined): Promise<T>;
  /** Reads Stripe: what the write produced when it happened, null when it did not. */
  resolve(): Promise<T | null>;
}

/**
 * Whether an activity failure leaves the write's outcome unknown: anything but Stripe's own answer
 * (a decline, a refusal), which is known and replayed under the key like a success.
 */
export function outcomeUnknown(error: unknown): error is ActivityFailure {
  if (!(error instanceof ActivityFailure)) return false;
  const cause = error.cause;
  return !(
    cause instanceof ApplicationFailure &&
    cause.nonRetryable &&
    cause.type !== FailureTypes.StripeOutcomeUnknown
  );
}

/**
 * The PaymentIntent a Stripe refusal an activity reported names (a decline's 402 carries it, and a
 * create-and-confirm refused after the create), or null.
 */
export function refusedPaymentIntent(error: unknown): string | null {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) return null;
  return ((error.cause.details?.[0] ?? {}) as { paymentIntentId?: string | null }).paymentIntentId ?? null;
}

/** Runs a workflow's Stripe writes over its ledger (kept in its state, so it survives continue-as-new). */
export class StripeWrites {
  constructor(
    private readonly ledger: () => StripeWriteLedger,
    /** The workflow's patch check (`WorkflowContext.patches`). */
    private readonly patched: (patchId: string) => boolean,
    private readonly changed: () => void = () => undefined,
  ) {}

  /** Whether this workflow resolves unknown writes by reading Stripe (histories from before the patch do not). */
  enabled(): boolean {
    return this.patched(READ_UNKNOWN_STRIPE_WRITES_PATCH);
  }

  /** Sends `write`, or learns its outcome from Stripe; throws what the caller must handle (Stripe's refusal, an outage). */
  async run<T>(write: StripeWrite<T>): Promise<T> {
    if (!this.enabled()) return write.send(undefined);
    const ledger = this.ledger();
    const { operation } = write;
    const startKey = (attempt: number): StripeWriteRecord => {
      const record = { attempt, sentAt: new Date().toISOString(), unknown: false };
      ledger[operation] = record;
      this.changed();
      return record;
    };
    let record = ledger[operation];
    if (record && (record.unknown || Date.now() - new Date(record.sentAt).getTime() >= KEY_REUSE_LIMIT_MS)) {
      // An earlier send was never answered, or its key may be gone: Stripe's objects say what happened.
      const found = await this.resolve(write, record);
      if (found !== null) return found;
      record = startKey(record.attempt + 1);
    }
    record ??= startKey(1);
    for (let round = 1; ; round += 1) {
      try {
        return await write.send(record.attempt);
      } catch (error) {
        if (!outcomeUnknown(error)) throw error;
        record.unknown = true;
        this.changed();
        log.warn('Stripe write outcome unknown; reading Stripe', {
          operation,
          writeAttempt: record.attempt,
          error: String(error.cause ?? error),
        });
        const found = await this.resolve(write, record);
        if (found !== null) return found;
        if (round >= SEND_ROUNDS) throw error;
        record = startKey(record.attempt + 1);
      }
    }
  }

  private async resolve<T>(write: StripeWrite<T>, record: StripeWriteRecord): Promise<T | null> {
    const found = await write.resolve();
    if (found !== null) {
      record.unknown = false;
      this.changed();
    }
    return found;
  }
}

/**
 * What a read of a PaymentIntent says of a confirmation with `paymentMethod`: the PaymentIntent
 * when the confirmation happened (authorized, waiting on the customer or the bank, settled, or
 * refused for that payment method), null when it is still waiting to be confirmed.
 */
export function confirmationOutcome(
  snapshot: PaymentIntentSnapshot,
  paymentMethod: string,
): PaymentIntentSnapshot | null {
  switch (snapshot.status) {
    case 'requires_confirmation':
      return null;
    case 'requires_payment_method':
      // A refusal leaves the PaymentIntent waiting for another method, naming the refused one.
      return snapshot.lastErrorCode !== null && snapshot.lastErrorPaymentMethodId === paymentMethod ? snapshot : null;
    default:
      return snapshot;
  }
}

/**
 * What a read of an intent says of a microdeposit check: verified once it moved on to the bank
 * (or succeeded), refused for good when back to waiting for a payment method; null while it still
 * waits for the microdeposits, where a mismatch leaves no trace, so the check is sent again.
 */
export function microdepositOutcome<S extends { status: string; lastErrorCode: string | null }>(
  snapshot: S,
): { result: 'verified' | 'attempts_exceeded' | 'expired'; snapshot: S } | null {
  switch (snapshot.status) {
    case 'processing':
    case 'succeeded':
      return { result: 'verified', snapshot };
    case 'requires_payment_method':
      return {
        result:
          snapshot.lastErrorCode === 'payment_method_microdeposit_verification_timeout'
            ? 'expired'
            : 'attempts_exceeded',
        snapshot,
      };
    default:
      return null;
  }
}

/** Finds or creates the Stripe Customer of a booking service's customer, as one Stripe write. */
export function ensureStripeCustomer(writes: StripeWrites, customer: BookingCustomer): Promise<string> {
  return writes.run({
    operation: 'customer',
    send: (writeAttempt) =>
      stripeWrites(`find or create the Stripe customer of ${customer.id}`).ensureStripeCustomer(
        customer,
        ...(writeAttempt !== undefined ? [{ writeAttempt }] : []),
      ),
    resolve: () => stripeWrites(`find the Stripe customer of ${customer.id}`).findStripeCustomer(customer),
  });
}
