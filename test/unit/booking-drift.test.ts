import { describe, expect, it } from 'vitest';
import {
  DRIFT_GRACE_MS,
  MISSING_PAYMENT_INTENT,
  findBookingDrift,
} from '../../activities/reconciliation/booking-drift.js';
import {
  DEFAULT_HOLD_POLICY,
  initialBookingState,
  type BookingState,
  type HoldStatus,
  type PaymentStatus,
} from '../../workflows/booking/contract.js';

const minute = 60_000;
const updatedAt = new Date('2026-11-01T10:00:00Z');
/** Long enough after the last change that every webhook should have arrived. */
const later = new Date(updatedAt.getTime() + DRIFT_GRACE_MS + minute);
const HOLD_PI = 'pi_hold';
const PAYMENT_PI = 'pi_payment';

/** A booking last changed at `updatedAt`, its hold (and optionally its bank payment) in the given statuses. */
function booking(holdStatus: HoldStatus, paymentStatus?: PaymentStatus, releaseAt: string | null = null): BookingState {
  const state = initialBookingState(
    {
      bookingId: 'bk-1',
      customer: { id: 'cust-1', email: 'guest@example.com', name: 'Guest' },
      holdPaymentMethod: 'pm_card_visa',
      startsAt: '2026-11-02T10:00:00Z',
      endsAt: '2026-11-03T10:00:00Z',
      policy: DEFAULT_HOLD_POLICY,
      ...(paymentStatus && {
        payment: {
          amount: 5000,
          paymentMethod: 'pm_bank',
          mandate: null,
          verification: 'automatic' as const,
          targetDate: null,
          checkBalance: false,
        },
      }),
    },
    updatedAt,
  );
  state.hold.status = holdStatus;
  state.hold.paymentIntentId = HOLD_PI;
  state.hold.releaseAt = releaseAt;
  if (state.payment && paymentStatus) {
    state.payment.status = paymentStatus;
    state.payment.paymentIntentId = PAYMENT_PI;
  }
  return state;
}

const stripeSays = (hold: string, payment?: string) =>
  new Map<string, string>([[HOLD_PI, hold], ...(payment ? ([[PAYMENT_PI, payment]] as const) : [])]);

describe('booking drift rules', () => {
  it.each([
    ['placing', 'requires_payment_method'],
    ['placing', 'requires_confirmation'],
    ['requires_action', 'requires_action'],
    ['declined', 'requires_payment_method'],
    ['declined', 'canceled'],
    ['held', 'requires_capture'],
    ['released', 'canceled'],
    ['expired', 'canceled'],
    ['failed', 'canceled'],
  ] as const)('finds nothing wrong with a hold %s while Stripe says %s', (holdStatus, stripeStatus) => {
    expect(findBookingDrift(booking(holdStatus), stripeSays(stripeStatus), later)).toEqual([]);
  });

  it('reports a held hold that Stripe cancelled, as a missed payment_intent.canceled', () => {
    const [drift, ...others] = findBookingDrift(booking('held'), stripeSays('canceled'), later);
    expect(others).toEqual([]);
    expect(drift).toMatchObject({
      bookingId: 'bk-1',
      part: 'hold',
      paymentIntentId: HOLD_PI,
      workflowStatus: 'held',
      stripeStatus: 'canceled',
    });
    expect(drift.explanation).toContain('missed payment_intent.canceled');
  });

  it('reports $1 Stripe holds while the booking still waits for 3-D Secure or is stuck placing', () => {
    for (const status of ['requires_action', 'placing', 'declined'] as const) {
      const drift = findBookingDrift(booking(status), stripeSays('requires_capture'), later);
      expect(drift).toHaveLength(1);
      expect(drift[0].explanation).toContain('Stripe holds $1');
    }
  });

  it('reports a hold still waiting for 3-D Secure that Stripe already declined', () => {
    expect(findBookingDrift(booking('requires_action'), stripeSays('requires_payment_method'), later)).toMatchObject([
      { workflowStatus: 'requires_action', stripeStatus: 'requires_payment_method' },
    ]);
  });

  it('reports a failed hold that still holds money', () => {
    expect(findBookingDrift(booking('failed'), stripeSays('requires_capture'), later)).toHaveLength(1);
  });

  it('does not judge a booking that changed within the grace period: its webhooks may be on their way', () => {
    const justChanged = new Date(updatedAt.getTime() + DRIFT_GRACE_MS - minute);
    expect(findBookingDrift(booking('held'), stripeSays('canceled'), justChanged)).toEqual([]);
  });

  it('judges every booking with a grace period of zero', () => {
    expect(findBookingDrift(booking('held'), stripeSays('canceled'), updatedAt, 0)).toHaveLength(1);
  });

  it('reports a held hold past its release time as overdue', () => {
    const releaseAt = new Date(later.getTime() - DRIFT_GRACE_MS - minute).toISOString();
    const drift = findBookingDrift(booking('held', undefined, releaseAt), stripeSays('requires_capture'), later);
    expect(drift).toHaveLength(1);
    expect(drift[0].explanation).toContain(`should have been released at ${releaseAt}`);
  });

  it('does not report a hold whose release time has only just passed', () => {
    const releaseAt = new Date(later.getTime() - minute).toISOString();
    expect(findBookingDrift(booking('held', undefined, releaseAt), stripeSays('requires_capture'), later)).toEqual([]);
  });

  it.each([
    ['pending', 'requires_payment_method'],
    ['pending', 'requires_confirmation'],
    ['awaiting_verification', 'requires_action'],
    ['requires_payment_method', 'requires_payment_method'],
    ['requires_payment_method', 'requires_action'],
    ['processing', 'processing'],
    ['succeeded', 'succeeded'],
    ['disputed', 'succeeded'],
    ['refunded', 'succeeded'],
    ['failed', 'requires_payment_method'],
    ['failed', 'canceled'],
    ['canceled', 'canceled'],
  ] as const)('finds nothing wrong with a bank payment %s while Stripe says %s', (paymentStatus, stripeStatus) => {
    expect(findBookingDrift(booking('released', paymentStatus), stripeSays('canceled', stripeStatus), later)).toEqual(
      [],
    );
  });

  it.each([
    ['processing', 'succeeded'],
    ['processing', 'requires_payment_method'],
    ['awaiting_verification', 'processing'],
    ['requires_payment_method', 'processing'],
    ['failed', 'processing'],
    ['succeeded', 'requires_payment_method'],
    ['pending', 'processing'],
  ] as const)('reports a bank payment %s while Stripe says %s', (paymentStatus, stripeStatus) => {
    const drift = findBookingDrift(booking('released', paymentStatus), stripeSays('canceled', stripeStatus), later);
    expect(drift).toMatchObject([
      { part: 'payment', paymentIntentId: PAYMENT_PI, workflowStatus: paymentStatus, stripeStatus },
    ]);
    expect(drift[0].explanation).toContain('a missed webhook?');
  });

  it('reports a PaymentIntent Stripe does not know', () => {
    const drift = findBookingDrift(booking('held'), stripeSays(MISSING_PAYMENT_INTENT), later);
    expect(drift).toMatchObject([{ stripeStatus: MISSING_PAYMENT_INTENT }]);
    expect(drift[0].explanation).toContain(`Stripe has no PaymentIntent ${HOLD_PI}`);
  });

  it('judges only the PaymentIntents it was given a status for', () => {
    expect(findBookingDrift(booking('held', 'processing'), new Map(), later)).toEqual([]);
  });
});
