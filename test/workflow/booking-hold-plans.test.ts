/**
 * Hold plans on the time-skipping server: renewal chains keep a booking weeks ahead covered without a
 * gap, extended authorizations, deferred placement, failed renewals and cancellations mid-chain. The
 * emulator's clock moves with workflow time (`skipTime`), so Stripe's `capture_before` and the
 * workflow's timers share one timeline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { listNotifications } from '../../db/notifications.js';
import {
  VISA_MERCHANT_INITIATED_VALIDITY_SECONDS,
  CARD_AUTHORIZATION_VALIDITY_SECONDS,
} from '../../emulator/payments/authorization-validity.js';
import {
  DEFAULT_HOLD_POLICY,
  bookingStateQuery,
  cancelBookingUpdate,
  supplyPaymentMethodUpdate,
  type BookingInput,
  type BookingState,
  type HoldAuthorization,
} from '../../workflows/booking/contract.js';
import {
  floodWithUnchangedHoldEvents,
  startBookingHarness,
  type BookingHarness,
} from '../../harness/booking-harness.js';
import { handleNextAction } from '../../harness/stripe-js-stand-in.js';
import { HoldNextAuthorizationAtAttribute } from '../../workflows/common/search-attributes.js';
import { waitFor } from '../../harness/wait-for.js';

const DAY = 24 * 3600;
const HOUR = 3600;

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness();
});

afterAll(async () => {
  await harness?.stop();
});

async function notificationTypes(bookingId: string): Promise<string[]> {
  return (await listNotifications(harness.db, bookingId)).map((n) => n.type);
}

/** A booking `daysAhead` days ahead (lasting two hours) on `card`, with `plan`. */
async function startPlannedBooking(daysAhead: number, overrides: Partial<BookingInput> = {}): Promise<WorkflowHandle> {
  const now = await harness.env.currentTimeMs();
  return harness.startBooking({
    holdPlan: 'auto',
    startsAt: new Date(now + daysAhead * DAY * 1000).toISOString(),
    endsAt: new Date(now + daysAhead * DAY * 1000 + 2 * HOUR * 1000).toISOString(),
    ...overrides,
  });
}

async function waitForState(
  handle: WorkflowHandle,
  reached: (state: BookingState) => boolean,
  description: string,
): Promise<BookingState> {
  let last: BookingState | undefined;
  await waitFor(
    async () => {
      last = await handle.query(bookingStateQuery);
      return reached(last);
    },
    { timeoutMs: 30_000, description },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last hold: ${JSON.stringify(last?.hold)}`);
  });
  return last!;
}

/**
 * Follows the chain: moves both clocks to each next authorization (and a minute past it) until the
 * plan places none, answering the final state.
 */
async function followChain(handle: WorkflowHandle, maxSteps = 20): Promise<BookingState> {
  let state = await waitForState(handle, (s) => s.hold.status === 'held', 'first authorization held');
  for (let step = 0; step < maxSteps && state.hold.nextAuthorizationAt; step++) {
    const renewalsBefore = state.hold.renewals ?? 0;
    const now = await harness.env.currentTimeMs();
    const until = new Date(state.hold.nextAuthorizationAt).getTime() - now;
    await harness.skipTime(Math.max(1, Math.ceil(until / 1000) + 1));
    state = await waitForState(
      handle,
      (s) => (s.hold.renewals ?? 0) > renewalsBefore || s.hold.pendingRenewal != null || s.hold.done,
      `renewal ${renewalsBefore + 1}`,
    );
    if (state.hold.pendingRenewal) break;
  }
  return state;
}

/** The booking's HoldNextAuthorizationAt search attribute as Temporal describes it now (ISO), or null. */
async function nextAuthorizationAttribute(handle: WorkflowHandle): Promise<string | null> {
  const value = (await handle.describe()).typedSearchAttributes.get(HoldNextAuthorizationAtAttribute);
  return value ? value.toISOString() : null;
}

/** The authorizations that held (not checks, not failed ones), oldest first. */
function heldChain(state: BookingState): HoldAuthorization[] {
  return (state.hold.authorizations ?? []).filter((a) => a.authorizedAt !== null && a.purpose === 'hold');
}

/**
 * Every held authorization was authorized before the previous one lapsed (no gap), and Stripe saw the
 * previous one cancelled only after the next one was held (the handover is the only overlap).
 */
async function expectNoGap(bookingId: string, chain: HoldAuthorization[]): Promise<void> {
  // Stripe lists events newest first; reversed, they are in the order Stripe created them.
  const ids = new Set((await harness.paymentIntentsOf(bookingId)).map((pi) => pi.id));
  const events: Array<{ type: string; id: string }> = [];
  for await (const event of harness.stripe.events.list({ limit: 100 })) {
    const object = event.data.object as { id: string };
    if (ids.has(object.id)) events.unshift({ type: event.type, id: object.id });
  }
  const heldAt = (id: string) =>
    events.findIndex((event) => event.type === 'payment_intent.amount_capturable_updated' && event.id === id);
  const cancelledAt = (id: string) =>
    events.findIndex((event) => event.type === 'payment_intent.canceled' && event.id === id);
  for (let i = 1; i < chain.length; i++) {
    const previous = chain[i - 1];
    const next = chain[i];
    expect(new Date(next.authorizedAt!).getTime()).toBeLessThan(new Date(previous.validUntil!).getTime());
    expect(previous.outcome).toBe('released');
    expect(heldAt(next.id)).toBeGreaterThan(-1);
    expect(cancelledAt(previous.id)).toBeGreaterThan(heldAt(next.id));
    // Nothing else happened between the new authorization and the release of the previous one.
    expect(cancelledAt(previous.id) - heldAt(next.id)).toBeLessThanOrEqual(2);
  }
}

describe('hold plans (time-skipping)', () => {
  it('renews a Visa hold about every 4 days through a booking 30 days ahead, with no gap', async () => {
    const handle = await startPlannedBooking(30);
    const held = await waitForState(handle, (s) => s.hold.status === 'held', 'first hold');
    expect(held.hold).toMatchObject({ plan: 'auto', renewals: 0 });
    // The first (customer-initiated) authorization is valid 7 days; the renewal comes 12 hours before.
    const firstValidity = new Date(held.hold.validUntil!).getTime() - new Date(held.hold.authorizedAt!).getTime();
    expect(firstValidity).toBe(CARD_AUTHORIZATION_VALIDITY_SECONDS * 1000);
    expect(new Date(held.hold.nextAuthorizationAt!).getTime()).toBe(
      new Date(held.hold.validUntil!).getTime() - 12 * HOUR * 1000,
    );

    const covered = await followChain(handle);
    const chain = heldChain(covered);
    // 7 days, then merchant-initiated Visa renewals of 4 d 18 h each placed 12 h early (4 d 6 h apart).
    for (const renewal of chain.slice(1)) {
      const validity = new Date(renewal.validUntil!).getTime() - new Date(renewal.authorizedAt!).getTime();
      expect(validity).toBe(VISA_MERCHANT_INITIATED_VALIDITY_SECONDS * 1000);
      expect(renewal.offSession).toBe(true);
    }
    expect(chain.length).toBe(7);
    expect(covered.hold.renewals).toBe(6);
    await expectNoGap(covered.bookingId, chain);
    // The last authorization lasts through the release: nothing more is planned.
    expect(covered.hold.nextAuthorizationAt).toBeNull();
    expect(new Date(covered.hold.validUntil!).getTime()).toBeGreaterThan(new Date(covered.hold.releaseAt!).getTime());
    expect(new Date(covered.hold.releaseAt!).getTime()).toBe(
      new Date(covered.endsAt).getTime() + DEFAULT_HOLD_POLICY.releaseGraceSeconds * 1000,
    );
    // Stripe holds exactly one authorization; every earlier one was cancelled by the workflow.
    const intents = await harness.paymentIntentsOf(covered.bookingId);
    expect(intents.filter((pi) => pi.status === 'requires_capture').map((pi) => pi.id)).toEqual([
      covered.hold.paymentIntentId,
    ]);
    expect(intents.filter((pi) => pi.status === 'canceled')).toHaveLength(6);
    expect(new Set(intents.map((pi) => pi.metadata.hold_renewal ?? '0')).size).toBe(7);
    // Each authorization, renewals included, is one Stripe request: created and confirmed at once.
    const requests = await harness.stripeRequestsOf(covered);
    expect(requests.filter((request) => request === 'POST /v1/payment_intents 200')).toHaveLength(7);
    expect(requests.filter((request) => request.includes('/confirm'))).toEqual([]);
    await waitFor(async () => (await notificationTypes(covered.bookingId)).length === 7, {
      timeoutMs: 15_000,
      description: 'notifications',
    });
    expect(await notificationTypes(covered.bookingId)).toEqual(['hold.held', ...Array(6).fill('hold.renewed')]);

    const final = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    expect(final.hold.status).toBe('released');
  });

  it('renews a Mastercard hold in 7-day steps (merchant-initiated Mastercard authorizations last 7 days)', async () => {
    const handle = await startPlannedBooking(30, { holdPaymentMethod: 'pm_card_mastercard' });
    const first = await waitForState(handle, (s) => s.hold.status === 'held', 'first hold');
    // Ops find holds by their next authorization.
    expect(await nextAuthorizationAttribute(handle)).toBe(first.hold.nextAuthorizationAt);
    const covered = await followChain(handle);
    expect(await nextAuthorizationAttribute(handle)).toBeNull();
    const chain = heldChain(covered);
    for (const authorization of chain) {
      const validity = new Date(authorization.validUntil!).getTime() - new Date(authorization.authorizedAt!).getTime();
      expect(validity).toBe(CARD_AUTHORIZATION_VALIDITY_SECONDS * 1000);
    }
    expect(chain.map((authorization) => authorization.renewal)).toEqual([0, 1, 2, 3, 4]);
    await expectNoGap(covered.bookingId, chain);
    expect(covered.hold.nextAuthorizationAt).toBeNull();
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });

  it('keeps one extended authorization when the network grants it, and renews when it refuses', async () => {
    const policy = { ...DEFAULT_HOLD_POLICY, extendedAuthorization: true };
    const granted = await startPlannedBooking(25, { holdPaymentMethod: 'pm_card_mastercard', policy });
    const extended = await waitForState(granted, (s) => s.hold.status === 'held', 'extended hold');
    expect(extended.hold.authorizations).toEqual([expect.objectContaining({ extended: true, renewal: 0 })]);
    const validity = new Date(extended.hold.validUntil!).getTime() - new Date(extended.hold.authorizedAt!).getTime();
    expect(validity).toBe(30 * DAY * 1000);
    expect(extended.hold.nextAuthorizationAt).toBeNull();
    expect(new Date(extended.hold.releaseAt!).getTime()).toBe(
      new Date(extended.endsAt).getTime() + DEFAULT_HOLD_POLICY.releaseGraceSeconds * 1000,
    );

    // Visa extends only for lodging, rental and cruise merchants: the emulated account is `general`.
    const refused = await startPlannedBooking(25, { policy });
    const standard = await waitForState(refused, (s) => s.hold.status === 'held', 'standard hold');
    expect(standard.hold.authorizations).toEqual([expect.objectContaining({ extended: false })]);
    expect(standard.hold.nextAuthorizationAt).not.toBeNull();
    const chain = heldChain(await followChain(refused));
    expect(chain.length).toBeGreaterThan(1);
    await granted.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await refused.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });

  it('defers: verifies the card at once, then places the covering hold off-session in time for the release', async () => {
    const handle = await startPlannedBooking(20, { holdPlan: 'defer' });
    const scheduled = await waitForState(handle, (s) => s.hold.status === 'scheduled', 'scheduled hold');
    expect(scheduled.hold.authorizations).toEqual([
      expect.objectContaining({ purpose: 'verification', outcome: 'verified', renewal: 0 }),
    ]);
    expect(scheduled.hold.paymentIntentId).toBeNull();
    const target = new Date(scheduled.endsAt).getTime() + DEFAULT_HOLD_POLICY.releaseGraceSeconds * 1000;
    expect(new Date(scheduled.hold.nextAuthorizationAt!).getTime()).toBe(
      target - VISA_MERCHANT_INITIATED_VALIDITY_SECONDS * 1000 + 12 * HOUR * 1000,
    );
    const [verification] = await harness.paymentIntentsOf(scheduled.bookingId);
    expect(verification).toMatchObject({ status: 'canceled' });

    const now = await harness.env.currentTimeMs();
    await harness.skipTime(Math.ceil((new Date(scheduled.hold.nextAuthorizationAt!).getTime() - now) / 1000) + 1);
    const held = await waitForState(handle, (s) => s.hold.status === 'held', 'covering hold');
    expect(heldChain(held)).toEqual([expect.objectContaining({ offSession: true, renewal: 1 })]);
    expect(held.hold.nextAuthorizationAt).toBeNull();
    expect(new Date(held.hold.validUntil!).getTime()).toBeGreaterThan(target);
    await waitFor(async () => (await notificationTypes(held.bookingId)).length === 2, {
      timeoutMs: 15_000,
      description: 'notifications',
    });
    expect(await notificationTypes(held.bookingId)).toEqual(['hold.scheduled', 'hold.held']);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });

  it('ends a deferred booking cancelled before its covering hold with nothing left to place, held or renew', async () => {
    const handle = await startPlannedBooking(20, { holdPlan: 'defer' });
    const scheduled = await waitForState(handle, (s) => s.hold.status === 'scheduled', 'scheduled hold');
    expect(await nextAuthorizationAttribute(handle)).toBe(scheduled.hold.nextAuthorizationAt);

    const cancelled = await handle.executeUpdate(cancelBookingUpdate, { args: [{ reason: 'plans changed' }] });
    expect(cancelled.hold).toMatchObject({ status: 'released', done: true, paymentIntentId: null });
    // Nothing is planned any more: neither the state nor the attribute ops search on names a placement.
    expect(cancelled.hold.nextAuthorizationAt).toBeNull();
    await handle.result();
    expect(await nextAuthorizationAttribute(handle)).toBeNull();
    // Only the card check ever reached Stripe, and it was released when the hold was scheduled.
    const intents = await harness.paymentIntentsOf(scheduled.bookingId);
    expect(intents.map((pi) => pi.status)).toEqual(['canceled']);
    expect(cancelled.hold.authorizations).toEqual([
      expect.objectContaining({ purpose: 'verification', outcome: 'verified' }),
    ]);
    expect(await notificationTypes(scheduled.bookingId)).toEqual(['hold.scheduled', 'hold.released']);
  });

  it('keeps the previous authorization when a renewal is declined, then renews on the card the customer gives', async () => {
    const handle = await startPlannedBooking(15);
    const held = await waitForState(handle, (s) => s.hold.status === 'held', 'first hold');
    await harness.control('POST', `/_emulator/payment_methods/${held.hold.renewalPaymentMethod}/expire`);
    const declined = await followChain(handle);
    expect(declined.hold).toMatchObject({
      status: 'held',
      paymentIntentId: held.hold.paymentIntentId,
      pendingRenewal: { renewal: 1, status: 'declined', declineCode: 'expired_card' },
      nextAuthorizationAt: null,
    });
    expect(
      (await harness.paymentIntentsOf(declined.bookingId)).find((pi) => pi.id === held.hold.paymentIntentId)?.status,
    ).toBe('requires_capture');
    await waitFor(async () => (await notificationTypes(declined.bookingId)).includes('hold.renewal_failed'), {
      timeoutMs: 15_000,
      description: 'renewal_failed notification',
    });

    const renewed = await handle.executeUpdate(supplyPaymentMethodUpdate, {
      args: [{ paymentMethod: 'pm_card_mastercard' }],
    });
    expect(renewed.hold).toMatchObject({ status: 'held', attempt: 2, pendingRenewal: null });
    expect(renewed.hold.paymentIntentId).not.toBe(held.hold.paymentIntentId);
    const intents = await harness.paymentIntentsOf(declined.bookingId);
    expect(intents.find((pi) => pi.id === held.hold.paymentIntentId)?.status).toBe('canceled');
    expect(intents.filter((pi) => pi.status === 'requires_capture').map((pi) => pi.id)).toEqual([
      renewed.hold.paymentIntentId,
    ]);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });

  it('releases at the lapse, as a single hold, when nobody replaces a declined renewal', async () => {
    const handle = await startPlannedBooking(15);
    const held = await waitForState(handle, (s) => s.hold.status === 'held', 'first hold');
    await harness.control('POST', `/_emulator/payment_methods/${held.hold.renewalPaymentMethod}/expire`);
    const declined = await followChain(handle);
    const pending = declined.hold.pendingRenewal!;
    expect(pending.status).toBe('declined');
    const now = await harness.env.currentTimeMs();
    await harness.skipTime(Math.ceil((new Date(declined.hold.releaseAt!).getTime() - now) / 1000) + 1);
    const final: BookingState = await handle.result();
    expect(final.hold).toMatchObject({ status: 'released', done: true, pendingRenewal: null });
    // Released before Stripe would have let it lapse.
    expect(new Date(final.hold.releasedAt!).getTime()).toBeLessThan(new Date(held.hold.validUntil!).getTime());
    const intents = await harness.paymentIntentsOf(final.bookingId);
    expect(intents.map((pi) => pi.status)).toEqual(['canceled', 'canceled']);
  });

  it('completes a renewal that needs authentication once the customer finishes 3-D Secure on-session', async () => {
    const handle = await startPlannedBooking(15, { holdPaymentMethod: 'pm_card_authenticationRequired' });
    const waiting = await waitForState(handle, (s) => s.hold.status === 'requires_action', 'first 3-D Secure');
    await harness.control('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
      outcome: 'succeed',
    });
    await harness.relay(waiting.bookingId, await harness.eventsFor(waiting.bookingId));
    const challenged = await followChain(handle);
    expect(challenged.hold).toMatchObject({
      status: 'held',
      pendingRenewal: { renewal: 1, status: 'requires_action' },
    });
    const renewalId = challenged.hold.pendingRenewal!.paymentIntentId;
    const renewal = await harness.stripe.paymentIntents.retrieve(renewalId);
    expect(renewal.status).toBe('requires_action');
    await waitFor(
      async () =>
        (await notificationTypes(challenged.bookingId)).filter((t) => t === 'hold.requires_action').length === 2,
      { timeoutMs: 15_000, description: 'requires_action for the renewal' },
    );

    // What the booking service's front end does with the next-action route's answer.
    expect((await handleNextAction(harness.emulatorUrl, renewal.client_secret!)).status).toBe('requires_capture');
    await harness.relay(challenged.bookingId, await harness.eventsFor(challenged.bookingId));
    const renewed = await waitForState(handle, (s) => s.hold.paymentIntentId === renewalId, 'renewal takes over');
    expect(renewed.hold).toMatchObject({ status: 'held', pendingRenewal: null, renewals: 1 });
    expect(
      (await harness.paymentIntentsOf(renewed.bookingId)).find((pi) => pi.id === waiting.hold.paymentIntentId)?.status,
    ).toBe('canceled');
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });

  it('releases every authorization when the booking is cancelled in the middle of a chain', async () => {
    const handle = await startPlannedBooking(30);
    let state = await waitForState(handle, (s) => s.hold.status === 'held', 'first hold');
    for (let renewal = 1; renewal <= 2; renewal++) {
      const now = await harness.env.currentTimeMs();
      await harness.skipTime(Math.ceil((new Date(state.hold.nextAuthorizationAt!).getTime() - now) / 1000) + 1);
      state = await waitForState(handle, (s) => s.hold.renewals === renewal, `renewal ${renewal}`);
    }
    const cancelled = await handle.executeUpdate(cancelBookingUpdate, { args: [{ reason: 'plans changed' }] });
    expect(cancelled.hold).toMatchObject({ status: 'released', done: true, nextAuthorizationAt: null });
    const intents = await harness.paymentIntentsOf(cancelled.bookingId);
    expect(intents).toHaveLength(3);
    expect(intents.every((pi) => pi.status === 'canceled')).toBe(true);
    expect(cancelled.hold.authorizations!.map((a) => a.outcome)).toEqual(['released', 'released', 'released']);
  });

  it('continues as new in the middle of a chain and carries it on', async () => {
    const handle = await startPlannedBooking(30);
    let state = await waitForState(handle, (s) => s.hold.status === 'held', 'first hold');
    for (let renewal = 1; renewal <= 2; renewal++) {
      const now = await harness.env.currentTimeMs();
      await harness.skipTime(Math.ceil((new Date(state.hold.nextAuthorizationAt!).getTime() - now) / 1000) + 1);
      state = await waitForState(handle, (s) => s.hold.renewals === renewal, `renewal ${renewal}`);
    }
    const firstRunId = (await handle.describe()).runId;
    // More events than one run keeps (CONTINUE_AS_NEW_AFTER_EVENTS): the workflow continues as new.
    const flooded = await floodWithUnchangedHoldEvents(handle, state.hold.paymentIntentId!, 2_100);
    const carried = await waitForState(handle, (s) => s.processedEventCount >= flooded, 'flood applied');
    expect((await handle.describe()).runId).not.toBe(firstRunId);
    expect(carried.hold).toEqual(state.hold);

    const covered = await followChain(handle);
    expect(covered.hold.renewals).toBe(6);
    const chain = heldChain(covered);
    expect(chain.map((authorization) => authorization.renewal)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    await expectNoGap(covered.bookingId, chain);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    // Two thousand signals and a continue-as-new: slow on a loaded 2-core machine.
  }, 180_000);

  it("goes on with the chain when Stripe's expiry came before a late renewal", async () => {
    const handle = await startPlannedBooking(15);
    const held = await waitForState(handle, (s) => s.hold.status === 'held', 'first hold');
    // Stripe's clock passes capture_before while the workflow has not placed the renewal yet.
    const stripeClock = await harness.control<{ now: number }>('GET', '/_emulator/clock');
    const pastLapse = Math.ceil(new Date(held.hold.validUntil!).getTime() / 1000) - stripeClock.now + 60;
    const advanced = await harness.control<{ expiredPaymentIntents: string[] }>('POST', '/_emulator/clock/advance', {
      seconds: pastLapse,
    });
    expect(advanced.expiredPaymentIntents).toEqual([held.hold.paymentIntentId]);
    const now = await harness.env.currentTimeMs();
    await harness.env.sleep(new Date(held.hold.nextAuthorizationAt!).getTime() - now + 1000);
    const renewed = await waitForState(handle, (s) => (s.hold.renewals ?? 0) >= 1, 'late renewal');
    expect(renewed.hold.status).toBe('held');
    expect(renewed.hold.authorizations!.map((a) => [a.renewal, a.outcome])).toEqual([
      [0, 'expired'],
      [1, 'held'],
    ]);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  });
});
