/**
 * Bank payments (ACH direct debit) end to end on real parts (harness/system-under-test.ts):
 * the API turns bank details into a PaymentMethod on the emulator, the workflow debits it, and the
 * emulator's signed webhooks come back through the API's inbox to the workflow. The test moves the
 * bank along with the emulator's control API (settle, clock, dispute close, refund arrival).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView, PaymentView } from '../../api/booking/schemas.js';
import { bookingWorkflowId, type PaymentStatus } from '../../workflows/booking/contract.js';
import { newBooking, startSystemUnderTest, type SystemUnderTest } from '../../harness/system-under-test.js';
import { waitFor } from '../../harness/wait-for.js';

const ACCOUNT_NUMBER = '000123456789';
const DAY_SECONDS = 86_400;

let system: SystemUnderTest;

beforeAll(async () => {
  system = await startSystemUnderTest({
    // Settlement and refunds are driven by the control API; a dispute follows settlement by a day.
    emulator: { achDisputeDelaySeconds: DAY_SECONDS, achMicrodepositType: 'descriptor_code', webhookRetryBaseMs: 100 },
  });
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

/** Answer of POST /v1/bookings/:id/microdeposits. */
interface MicrodepositAnswer {
  result: string;
  attemptsRemaining: number;
  booking: BookingView;
}

/** A card booking that also pays $125 by bank account, with the mandate accepted just now. */
function bankBooking(payment: Record<string, unknown>) {
  return newBooking({
    payment: {
      amount: 12_500,
      method: 'us_bank_account',
      mandate: {
        ipAddress: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (integration tests)',
        acceptedAt: new Date().toISOString(),
      },
      ...payment,
    },
  });
}

async function waitForPayment(
  bookingId: string,
  status: PaymentStatus,
): Promise<BookingView & { payment: PaymentView }> {
  return waitFor(
    async () => {
      const { body } = await system.api('GET', `/v1/bookings/${bookingId}`);
      return body.payment?.status === status ? (body as BookingView & { payment: PaymentView }) : false;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: `booking ${bookingId} payment ${status}` },
  );
}

/** Settles a processing bank debit now, as the ACH network would after a few business days. */
async function settleDebit(paymentIntentId: string): Promise<void> {
  await system.emulatorControl('POST', `/_emulator/payment_intents/${paymentIntentId}/settle`);
}

/**
 * The workflow's history with every payload decoded to text, as an operator would read it:
 * fetchHistory gives payload data base64-encoded, where a plain search would find nothing.
 */
async function readableHistory(bookingId: string): Promise<string> {
  const history = await system.decodedHistory(bookingWorkflowId(bookingId));
  return JSON.stringify(history, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('utf8');
    return key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value;
  });
}

describe('bookings paid by US bank account, end to end', () => {
  it('verifies a typed-in bank account by microdeposits, debits it and records the payment reference', async () => {
    const booking = bankBooking({
      bankAccount: {
        accountNumber: ACCOUNT_NUMBER,
        routingNumber: '110000000',
        accountHolderName: 'Integration Guest',
      },
      verification: 'microdeposits',
    });

    const created = await system.api('POST', '/v1/bookings', booking);
    expect(created.status).toBe(201);

    const waiting = await waitForPayment(booking.bookingId, 'awaiting_verification');
    expect(waiting.payment.microdeposits).toMatchObject({ type: 'descriptor_code', attemptsRemaining: 10 });
    expect(waiting.payment.microdeposits?.hostedVerificationUrl).toMatch(/^http/);
    expect(waiting.payment.microdeposits?.expiresAt).toEqual(expect.any(String));

    const mismatch = await system.api<MicrodepositAnswer>('POST', `/v1/bookings/${booking.bookingId}/microdeposits`, {
      descriptorCode: 'SM99ZZ',
    });
    expect(mismatch.status).toBe(200);
    expect(mismatch.body).toMatchObject({ result: 'mismatch', attemptsRemaining: 9 });

    const verified = await system.api<MicrodepositAnswer>('POST', `/v1/bookings/${booking.bookingId}/microdeposits`, {
      descriptorCode: 'SM11AA',
    });
    expect(verified.status).toBe(200);
    expect(verified.body.result).toBe('verified');

    const processing = await waitForPayment(booking.bookingId, 'processing');
    await settleDebit(processing.payment.paymentIntentId!);
    const succeeded = await waitForPayment(booking.bookingId, 'succeeded');
    expect(succeeded.payment.paymentReference).toMatch(/\w+/);
    expect(succeeded.payment.succeededAt).not.toBeNull();

    const rows = await waitFor(
      async () => {
        const stored = await system.inboxRows(booking.bookingId);
        return stored.length > 0 && stored.every((row) => row.status === 'relayed' || row.status === 'handled')
          ? stored
          : false;
      },
      { description: 'every stored event of the booking settled' },
    );
    // Settlement only arrives by webhook: it is signalled; charge events are carried by the PaymentIntent's.
    expect(rows.filter((row) => row.type === 'payment_intent.succeeded').map((row) => row.status)).toEqual(['relayed']);
    expect(rows.filter((row) => row.type.startsWith('charge.')).every((row) => row.status === 'handled')).toBe(true);

    const history = await readableHistory(booking.bookingId);
    // The input's payment methods read as text, so the account number would show if it were there.
    expect(history.includes(booking.holdPaymentMethod), 'decoded history shows the input').toBe(true);
    expect(history.includes(ACCOUNT_NUMBER), 'account number in the workflow history').toBe(false);
  });

  it('records a dispute after a successful debit, its outcome, and notifies the booking service', async () => {
    const booking = bankBooking({ paymentMethod: 'pm_usBankAccount_dispute', verification: 'automatic' });
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);

    const processing = await waitForPayment(booking.bookingId, 'processing');
    await settleDebit(processing.payment.paymentIntentId!);
    await waitForPayment(booking.bookingId, 'succeeded');

    await system.emulatorControl('POST', '/_emulator/clock/advance', { seconds: 2 * DAY_SECONDS });
    const disputed = await waitForPayment(booking.bookingId, 'disputed');
    expect(disputed.payment.dispute?.id).toMatch(/^(dp|du)_/);

    await system.emulatorControl('POST', `/_emulator/disputes/${disputed.payment.dispute!.id}/close`, {
      status: 'lost',
    });
    const closed = await waitFor(
      async () => {
        const { body } = await system.api('GET', `/v1/bookings/${booking.bookingId}`);
        return body.payment?.dispute?.status === 'lost' ? body : false;
      },
      { description: 'dispute lost on the booking' },
    );
    expect(closed.payment?.dispute).toEqual({ id: disputed.payment.dispute!.id, status: 'lost' });

    const notified = await waitFor(
      () => system.callbacks.find((c) => c.bookingId === booking.bookingId && c.type === 'payment.disputed'),
      { description: 'payment.disputed callback' },
    );
    expect(notified.signatureValid).toBe(true);
  });

  it('refunds a paid booking that is cancelled, to its bank reference', async () => {
    const booking = bankBooking({ paymentMethod: 'pm_usBankAccount_success', verification: 'automatic' });
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    const processing = await waitForPayment(booking.bookingId, 'processing');
    await settleDebit(processing.payment.paymentIntentId!);
    await waitForPayment(booking.bookingId, 'succeeded');

    const cancelled = await system.api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {
      reason: 'guest cancelled',
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.payment?.cancellation).toBe('refund_requested');
    expect(cancelled.body.payment?.refund).toMatchObject({ status: 'pending', amount: 12_500 });

    await system.emulatorControl('POST', `/_emulator/refunds/${cancelled.body.payment!.refund!.id}/settle`);
    const refunded = await waitForPayment(booking.bookingId, 'refunded');
    expect(refunded.payment.refund?.reference).toMatch(/\w+/);
    expect(refunded.payment.refund?.status).toBe('succeeded');
  });
});
