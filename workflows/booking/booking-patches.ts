/**
 * Every patch of the booking workflow, and the baseline that stands for them. A change that a running
 * booking could replay goes behind a patch id here (asked with `ctx.patches.has(id)`, never `patched()`
 * directly); each says what the patched path does and what older histories did instead.
 */
import type { PatchBaseline } from '../common/patches.js';
import { ONE_CALL_STRIPE_WRITES_PATCH, READ_UNKNOWN_STRIPE_WRITES_PATCH } from '../common/stripe-write.js';

/** Patch: a new bank account is debited only under an acceptance given for it; older histories reused the booking's. */
export const MANDATE_PER_ACCOUNT_PATCH = 'mandate-per-bank-account';

/** Patch: the target date is checked again when the debit is created; older histories sent it as requested. */
export const RECHECK_TARGET_DATE_PATCH = 'recheck-ach-target-date';

/** Patch: `expired` is read as Stripe's own cancellation too; older histories read only `automatic`. */
export const STRIPE_EXPIRED_REASON_PATCH = 'stripe-expired-cancellation-reason';

/** Patch: the balance is refreshed and its asynchronous answer awaited; older histories read the account once. */
export const AWAIT_BALANCE_REFRESH_PATCH = 'await-balance-refresh';

/**
 * Patch: bookings upsert their search attributes; older histories never did. Checked at each
 * change, so a booking started before it begins to upsert at its first change after deployment.
 */
export const BOOKING_SEARCH_ATTRIBUTES_PATCH = 'booking-search-attributes';

/**
 * Patch: a hold Stripe refuses to release stays `held` and followed until Stripe cancels it or it
 * lapses; older histories marked it `failed` and let the booking finish.
 */
export const FOLLOW_UNRELEASED_HOLD_PATCH = 'follow-unreleased-hold';

/**
 * Patch: a payment method Stripe refuses outright (unknown, not a card, another customer's) asks for
 * another one; older histories cancelled the attempt and failed the hold.
 */
export const REASK_REFUSED_PAYMENT_METHOD_PATCH = 'reask-refused-payment-method';

/** Patch: a hold is timed from its authorization (the charge); older histories timed it from the PaymentIntent's creation. */
export const HOLD_TIMED_FROM_AUTHORIZATION_PATCH = 'hold-timed-from-authorization';

/**
 * Patch: a booking started with a hold plan follows it (renewals, deferred placement, extended
 * authorization, the authorizations list); runs started before plans existed have none and never ask.
 */
export const HOLD_PLANS_PATCH = 'hold-plans';

/** Patch: the main loop re-arms its timer when an update moves a deadline; older histories slept on. */
export const WAKE_ON_MOVED_DEADLINE_PATCH = 'wake-on-moved-deadline';

/**
 * Patch: the main loop keeps its deadline's timer across wake-ups that do not move the deadline;
 * older histories started a new timer at every wake-up.
 */
export const KEEP_DEADLINE_TIMER_PATCH = 'keep-deadline-timer';

/**
 * The baseline of 2026-12: a booking started with it records this one marker (and one
 * `TemporalChangeVersion` upsert) and takes every patch listed, where it recorded up to 13 pairs
 * before (7 on a card hold, 14 history events). Never edit the list: a patch added later is asked on
 * its own, and a later baseline gets a new id. To find bookings started before it, query
 * `TemporalChangeVersion != 'booking-baseline-2026-12'` (docs/OPERATIONS.md).
 */
export const BOOKING_PATCH_BASELINE: PatchBaseline = {
  id: 'booking-baseline-2026-12',
  covers: [
    BOOKING_SEARCH_ATTRIBUTES_PATCH,
    READ_UNKNOWN_STRIPE_WRITES_PATCH,
    STRIPE_EXPIRED_REASON_PATCH,
    FOLLOW_UNRELEASED_HOLD_PATCH,
    REASK_REFUSED_PAYMENT_METHOD_PATCH,
    HOLD_TIMED_FROM_AUTHORIZATION_PATCH,
    HOLD_PLANS_PATCH,
    MANDATE_PER_ACCOUNT_PATCH,
    RECHECK_TARGET_DATE_PATCH,
    AWAIT_BALANCE_REFRESH_PATCH,
    WAKE_ON_MOVED_DEADLINE_PATCH,
    ONE_CALL_STRIPE_WRITES_PATCH,
    KEEP_DEADLINE_TIMER_PATCH,
  ],
};
