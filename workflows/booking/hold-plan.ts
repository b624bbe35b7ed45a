/**
 * When a booking's hold plan places its next authorization. Stripe's `capture_before` is the
 * authoritative validity of each authorization (docs.stripe.com/payments/place-a-hold-on-a-payment-method):
 * 7 days online, 4 days 18 hours for Visa merchant-initiated ones, up to 30 days when extended. Pure.
 */
import {
  DEFAULT_DEFERRED_VALIDITY_SECONDS,
  DEFAULT_RENEWAL_MARGIN_SECONDS,
  type HoldPlan,
  type HoldPolicy,
} from './contract.js';

/** When the booking wants its hold released: its end plus the policy's grace (epoch ms). */
export function releaseTarget(endsAt: string, policy: HoldPolicy): number {
  return new Date(endsAt).getTime() + policy.releaseGraceSeconds * 1000;
}

/** How long before a lapse the next authorization is placed: never within the release safety margin. */
export function renewalMarginMs(policy: HoldPolicy): number {
  const margin = policy.renewalMarginSeconds ?? DEFAULT_RENEWAL_MARGIN_SECONDS;
  return Math.max(margin, policy.releaseSafetyMarginSeconds + 60) * 1000;
}

/** Whether an authorization valid until `validUntil` lasts through the release (less the safety margin). */
export function coversRelease(validUntil: number, target: number, policy: HoldPolicy): boolean {
  return validUntil - policy.releaseSafetyMarginSeconds * 1000 >= target;
}

/**
 * When the next authorization is placed (epoch ms), or null when none is: `single` never renews;
 * `auto`, `renew` and `defer` renew while the current authorization lapses before the release.
 */
export function nextAuthorizationTime(
  plan: HoldPlan,
  validUntil: number | null,
  target: number,
  policy: HoldPolicy,
  now: number,
): number | null {
  if (plan === 'single' || validUntil === null || coversRelease(validUntil, target, policy)) return null;
  return Math.max(now, validUntil - renewalMarginMs(policy));
}

/**
 * When a deferred hold places its covering authorization (epoch ms): early enough that even the
 * shortest off-session validity reaches the release, never before now.
 */
export function deferredPlacementTime(target: number, policy: HoldPolicy, now: number): number {
  const validity = (policy.deferredValiditySeconds ?? DEFAULT_DEFERRED_VALIDITY_SECONDS) * 1000;
  return Math.max(now, target - validity + renewalMarginMs(policy));
}

/**
 * Whether the first authorization saves the card for later off-session authorizations: a plan that
 * may renew or defer, on a card not already saved, for a booking one customer-initiated authorization
 * may not cover.
 */
export function savesCardForLater(
  plan: HoldPlan,
  offSession: boolean,
  target: number,
  policy: HoldPolicy,
  now: number,
): boolean {
  if (plan === 'single' || offSession) return false;
  if (plan === 'defer' || plan === 'renew') return true;
  return !coversRelease(now + policy.authorizationValiditySeconds * 1000, target, policy);
}
