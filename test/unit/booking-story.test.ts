import { describe, expect, it } from 'vitest';
import { bookingStartMetadata, describeBooking, usd } from '../../workflows/booking/booking-story.js';
import {
  DEFAULT_HOLD_POLICY,
  initialBookingState,
  type BankPaymentInput,
  type BookingInput,
  type BookingState,
} from '../../workflows/booking/contract.js';
import {
  bookingSearchAttributes,
  setupSearchAttributes,
  startSearchAttributes,
} from '../../workflows/booking/search-attribute-sync.js';
import {
  DEFAULT_SETUP_POLICY,
  initialSetupState,
  type PaymentMethodSetupInput,
} from '../../workflows/setup/contract.js';
import { describeSetup, setupStartMetadata } from '../../workflows/setup/setup-story.js';

const bankPayment: BankPaymentInput = {
  amount: 12_550,
  paymentMethod: 'pm_bank_1',
  mandate: { ipAddress: '203.0.113.7', userAgent: 'tests', acceptedAt: '2026-11-01T09:00:00Z' },
  verification: 'microdeposits',
  targetDate: null,
  checkBalance: false,
};

const input: BookingInput = {
  bookingId: 'b-1',
  customer: { id: 'cust-1', email: 'guest@example.com', name: 'Guest' },
  holdPaymentMethod: 'pm_card_visa',
  startsAt: '2026-11-02T15:00:00.000Z',
  endsAt: '2026-11-04T11:00:00.000Z',
  policy: DEFAULT_HOLD_POLICY,
};

function heldState(overrides: Partial<BookingInput> = {}): BookingState {
  const state = initialBookingState({ ...input, ...overrides }, new Date('2026-11-01T10:00:00Z'));
  Object.assign(state.hold, { status: 'held', paymentIntentId: 'pi_1', releaseAt: '2026-11-04T12:00:00.000Z' });
  return state;
}

describe('a booking told in sentences', () => {
  it('formats cents as dollars, without cents when whole', () => {
    expect([usd(100), usd(12_500), usd(12_550), usd(5)]).toEqual(['$1', '$125', '$125.50', '$0.05']);
  });

  it('summarises the booking it starts: ids, dates, the hold and the bank payment, no personal data', () => {
    const metadata = bookingStartMetadata({ ...input, payment: bankPayment });
    expect(metadata.staticSummary).toBe('Booking b-1: $1 card hold + $125.50 by US bank account');
    expect(metadata.staticDetails).toBe(
      [
        '**Customer** cust-1',
        '**Booking** 2026-11-02 15:00 UTC → 2026-11-04 11:00 UTC',
        '**Hold** $1 on pm_card_visa',
        '**Payment** $125.50 from pm_bank_1 (verification microdeposits)',
      ].join('\n\n'),
    );
    expect(JSON.stringify(metadata)).not.toMatch(/guest@example\.com|Guest\b/);
  });

  it('says where a held hold is and when it is released', () => {
    expect(describeBooking(heldState())).toBe(
      '**Hold** held, $1 on pm_card_visa (pi_1); release at 2026-11-04 12:00 UTC',
    );
  });

  it('says what a bank payment waits for: microdeposits with the attempts left and their expiry', () => {
    const state = heldState({ payment: bankPayment });
    Object.assign(state.payment!, {
      status: 'awaiting_verification',
      paymentIntentId: 'pi_2',
      microdeposits: {
        type: 'descriptor_code',
        arrivalDate: null,
        hostedVerificationUrl: null,
        attemptsRemaining: 9,
        expiresAt: '2026-11-11T10:00:00.000Z',
      },
    });
    expect(describeBooking(state).split('\n\n')[1]).toBe(
      '**Payment** $125.50 from pm_bank_1 (pi_2) awaiting microdeposits (descriptor code, 9 attempts left, expire 2026-11-11 10:00 UTC)',
    );
  });

  it('leads with a cancellation and tells a declined hold waits for a new payment method', () => {
    const state = initialBookingState(input, new Date('2026-11-01T10:00:00Z'));
    Object.assign(state, { cancelRequested: true, cancelReason: 'guest cancelled' });
    Object.assign(state.hold, {
      status: 'declined',
      declineCode: 'insufficient_funds',
      actionDeadline: '2026-11-02T10:00:00.000Z',
    });
    expect(describeBooking(state)).toBe(
      '**Cancelled** by request: guest cancelled\n\n' +
        '**Hold** declined (insufficient_funds), $1 on pm_card_visa, attempt 1; waiting for a new payment method until 2026-11-02 10:00 UTC',
    );
  });

  it('keeps search attributes to the state: the release time only while held, no payment status without a payment', () => {
    const values = (state: BookingState) =>
      Object.fromEntries(bookingSearchAttributes(state).map((pair) => [pair.key.name, pair.value]));
    expect(values(heldState())).toEqual({
      BookingId: 'b-1',
      CustomerId: 'cust-1',
      HoldStatus: 'held',
      PaymentStatus: null,
      HoldReleaseAt: new Date('2026-11-04T12:00:00.000Z'),
    });
    const released = heldState({ payment: bankPayment });
    Object.assign(released.hold, { status: 'released', done: true });
    expect(values(released)).toMatchObject({ HoldStatus: 'released', PaymentStatus: 'pending', HoldReleaseAt: null });
    // A workflow starts with those that have a value.
    const atStart = startSearchAttributes(bookingSearchAttributes(initialBookingState(input, new Date())));
    expect(atStart.map((pair) => pair.key.name)).toEqual(['BookingId', 'CustomerId', 'HoldStatus']);
  });
});

describe('a payment-method setup told in sentences', () => {
  const setupInput: PaymentMethodSetupInput = {
    setupId: 'setup-1',
    customer: { id: 'cust-1', email: 'guest@example.com', name: 'Guest' },
    type: 'us_bank_account',
    verification: 'microdeposits',
    policy: DEFAULT_SETUP_POLICY,
  };

  it('summarises the setup it starts', () => {
    expect(setupStartMetadata(setupInput)).toEqual({
      staticSummary: 'Save a US bank account for customer cust-1',
      staticDetails:
        '**Setup** setup-1\n\n**Customer** cust-1\n\n**Saves** a US bank account (verification microdeposits)',
    });
  });

  it('says what the setup waits for, and is findable by customer and status', () => {
    const state = initialSetupState(setupInput, new Date('2026-11-01T10:00:00Z'));
    Object.assign(state, {
      status: 'requires_action',
      setupIntentId: 'seti_1',
      microdeposits: {
        type: 'amounts',
        arrivalDate: null,
        hostedVerificationUrl: null,
        attemptsRemaining: 1,
        expiresAt: '2026-11-11T10:00:00.000Z',
      },
    });
    expect(describeSetup(state)).toBe(
      '**Setup** of a US bank account (seti_1): awaiting microdeposits (1 attempt left, expire 2026-11-11 10:00 UTC)',
    );
    expect(setupSearchAttributes(state).map((pair) => [pair.key.name, pair.value])).toEqual([
      ['CustomerId', 'cust-1'],
      ['SetupStatus', 'requires_action'],
    ]);
  });
});
