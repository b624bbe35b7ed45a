/**
 * When a held authorization is released: the booking's end plus the policy's grace, but never
 * later than the authorization's validity (7 days for customer-initiated card payments, or the
 * charge's `capture_before` when Stripe gives one, which is authoritative) less a safety margin.
 */
import type { HoldPolicy } from './contract.js';

/** What bounded the release time. */
export type ReleaseBound = 'booking_end' | 'authorization_validity';

/** The release instant and what decided it. */
export interface ReleaseDeadline {
  releaseAt: Date;
  boundBy: ReleaseBound;
}

/** Computes the release deadline of a hold authorized at `authorizedAt`. */
export function computeReleaseDeadline(args: {
  endsAt: Date;
  authorizedAt: Date;
  captureBefore: Date | null;
  policy: HoldPolicy;
}): ReleaseDeadline {
  const { endsAt, authorizedAt, captureBefore, policy } = args;
  const wanted = endsAt.getTime() + policy.releaseGraceSeconds * 1000;
  const validityEnd = Math.min(
    authorizedAt.getTime() + policy.authorizationValiditySeconds * 1000,
    captureBefore ? captureBefore.getTime() : Number.POSITIVE_INFINITY,
  );
  const latestSafe = Math.max(authorizedAt.getTime(), validityEnd - policy.releaseSafetyMarginSeconds * 1000);
  return wanted <= latestSafe
    ? { releaseAt: new Date(wanted), boundBy: 'booking_end' }
    : { releaseAt: new Date(latestSafe), boundBy: 'authorization_validity' };
}
