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
  type BookingInput,
  type BookingState,
  type HoldAuthorization,
} from '../../workflows/booking/contract.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
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

interface EmulatedPaymentIntent {
  id: string;
  status: string;
  cancellation_reason: string | null;
  metadata: Record<string, string>;
}

async function paymentIntentsOf(bookingId: string): Promise<EmulatedPaymentIntent[]> {
  return (
    await harness.control<{ data: EmulatedPaymentIntent[] }>(
      'GET',
      `/_emulator/payment_intents?booking_id=${encodeURIComponent(bookingId)}`,
    )
  ).data;
}

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
  const ids = new Set((await paymentIntentsOf(bookingId)).map((pi) => pi.id));
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
    const intents = await paymentIntentsOf(covered.bookingId);
    expect(intents.filter((pi) => pi.status === 'requires_capture').map((pi) => pi.id)).toEqual([
      covered.hold.paymentIntentId,
    ]);
    expect(intents.filter((pi) => pi.status === 'canceled')).toHaveLength(6);
    expect(new Set(intents.map((pi) => pi.metadata.hold_renewal ?? '0')).size).toBe(7);
    await waitFor(async () => (await notificationTypes(covered.bookingId)).length === 7, {
      timeoutMs: 15_000,
      description: 'notifications',
    });
    expect(await notificationTypes(covered.bookingId)).toEqual(['hold.held', ...Array(6).fill('hold.renewed')]);

    const final = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    expect(final.hold.status).toBe('released');
  });
});
