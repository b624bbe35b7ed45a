import { describe, expect, it } from 'vitest';
import { DEFAULT_HOLD_POLICY } from '../../workflows/booking/contract.js';
import { computeReleaseDeadline } from '../../workflows/booking/release-deadline.js';

const hour = 3600_000;
const day = 24 * hour;
const authorizedAt = new Date('2026-11-01T10:00:00Z');

describe('hold release deadline', () => {
  it('releases at the booking end plus the grace when the authorization outlives it', () => {
    const endsAt = new Date(authorizedAt.getTime() + 2 * day);
    const deadline = computeReleaseDeadline({ endsAt, authorizedAt, captureBefore: null, policy: DEFAULT_HOLD_POLICY });
    expect(deadline.boundBy).toBe('booking_end');
    expect(deadline.releaseAt.getTime()).toBe(endsAt.getTime() + DEFAULT_HOLD_POLICY.releaseGraceSeconds * 1000);
  });

  it('releases before the 7-day validity, less the safety margin, for a booking ending later', () => {
    const endsAt = new Date(authorizedAt.getTime() + 10 * day);
    const deadline = computeReleaseDeadline({ endsAt, authorizedAt, captureBefore: null, policy: DEFAULT_HOLD_POLICY });
    expect(deadline.boundBy).toBe('authorization_validity');
    expect(deadline.releaseAt.toISOString()).toBe(new Date(authorizedAt.getTime() + 7 * day - hour).toISOString());
  });

  it("treats the charge's capture_before as authoritative when it is earlier than 7 days", () => {
    const endsAt = new Date(authorizedAt.getTime() + 6 * day);
    const captureBefore = new Date(authorizedAt.getTime() + 5 * day);
    const deadline = computeReleaseDeadline({ endsAt, authorizedAt, captureBefore, policy: DEFAULT_HOLD_POLICY });
    expect(deadline.boundBy).toBe('authorization_validity');
    expect(deadline.releaseAt.getTime()).toBe(captureBefore.getTime() - hour);
  });

  it('never schedules a release before the authorization itself', () => {
    const endsAt = new Date(authorizedAt.getTime() + 10 * day);
    const captureBefore = new Date(authorizedAt.getTime() + 10 * 60_000);
    const deadline = computeReleaseDeadline({ endsAt, authorizedAt, captureBefore, policy: DEFAULT_HOLD_POLICY });
    expect(deadline.releaseAt.getTime()).toBe(authorizedAt.getTime());
  });
});
