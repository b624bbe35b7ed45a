/**
 * Scenario: bank debits, microdeposit verification and refunds while Stripe misbehaves on every
 * write they send (PaymentIntent create, confirm, verify_microdeposits, cancel; refunds): a 500
 * after the work, saved and replayed under its key as Stripe does; answers later than the client
 * waits, after the work and before it; and the worker killed with SIGKILL while Stripe holds the
 * refunds' answers. Half the bookings pay from a typed-in account verified by microdeposits, half
 * from an instantly verified one; each is debited, settled, cancelled and refunded. Counted on the
 * emulator: exactly one debit and at most one refund per booking.
 */
import type { SystemUnderTest } from '../harness/system-under-test.js';
import { newBooking } from '../harness/system-under-test.js';
import { waitFor } from '../harness/wait-for.js';
import type { ChaosSystem } from './chaos-system.js';
import { tally } from './booking-driver.js';
import { checkInvariants } from './invariants.js';
import { markStripeRequests } from './stripe-requests.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

/** Every Stripe write of a bank payment. */
const BANK_WRITES = '^POST /v1/(payment_intents|refunds)';
const REFUND_CREATE = '^POST /v1/refunds$';
/** Longer than the kill and restart take; clearing the fault after the restart releases the answers. */
const STALL_HOLD_MS = 120_000;
const FLOW_TIMEOUT_MS = 150_000;

interface PaymentView {
  status: string;
  paymentIntentId: string | null;
  microdeposits: { type: 'descriptor_code' | 'amounts' } | null;
  refund: { id: string; status: string; amount: number } | null;
}

interface EmulatedPaymentIntent {
  id: string;
  status: string;
  capture_method: string;
}

/** Runs the scenario: one phase per kind of fault, then a worker kill while refunds are answered. */
export async function runBankFaults(
  system: SystemUnderTest,
  scale: ChaosScale,
  chaos: ChaosSystem,
): Promise<ScenarioReport> {
  return timedScenario(
    'bank debits, microdeposits and refunds under Stripe faults and a worker kill',
    async (report) => {
      const requestsSince = await markStripeRequests(system);
      const latencyMs = system.stripeTimeoutMs + 1_500;
      const phases = [
        {
          name: '500 after the work',
          faults: { api: { status: 500, when: 'after', rate: 0.3, pathPattern: BANK_WRITES } },
        },
        {
          name: 'answers later than the client waits',
          faults: { latency: { ms: latencyMs, when: 'after', count: scale.bookings * 2, pathPattern: BANK_WRITES } },
        },
        {
          name: 'requests slow before the work',
          faults: { latency: { ms: latencyMs, when: 'before', count: scale.bookings * 2, pathPattern: BANK_WRITES } },
        },
      ];
      const bookingIds: string[] = [];
      for (const phase of phases) {
        await system.emulatorControl('POST', '/_emulator/faults', phase.faults);
        try {
          const ids = await createBankBookings(system, scale.bookings);
          bookingIds.push(...ids);
          report.tried[`bookings under ${phase.name}`] = ids.length;
          const ended = await Promise.all(ids.map((bookingId) => payThenRefund(system, bookingId)));
          for (const [status, count] of Object.entries(tally(ended)))
            report.counted[`${phase.name}: ${status}`] = count;
        } finally {
          await system.emulatorControl('DELETE', '/_emulator/faults');
        }
      }

      const killed = await createBankBookings(system, scale.bookings);
      bookingIds.push(...killed);
      report.tried['bookings whose refund answers were held at a worker kill'] = killed.length;
      await Promise.all(killed.map((bookingId) => payUntilSucceeded(system, bookingId)));
      await system.emulatorControl('POST', '/_emulator/faults', {
        stall: { count: killed.length, holdMs: STALL_HOLD_MS, pathPattern: REFUND_CREATE },
      });
      try {
        // The cancellations wait on refunds whose answers are held: the booking service's requests may fail and are sent again.
        const cancellations = killed.map((bookingId) =>
          system.api('POST', `/v1/bookings/${bookingId}/cancel`, { reason: 'chaos: refund' }).catch(() => null),
        );
        report.counted['refund answers held at the kill'] = await waitFor(
          async () => {
            const { heldAnswers } = await system.emulatorControl<{ heldAnswers: number }>('GET', '/_emulator/faults');
            return heldAnswers === killed.length ? heldAnswers : false;
          },
          { timeoutMs: 60_000, intervalMs: 100, description: `${killed.length} refund answers held` },
        );
        const exit = await chaos.worker.kill();
        if (exit.signal !== 'SIGKILL')
          report.failures.push(`the worker ended with ${exit.signal ?? `code ${exit.code}`}, not SIGKILL`);
        await chaos.worker.restart();
        await Promise.all(cancellations);
      } finally {
        await system.emulatorControl('DELETE', '/_emulator/faults');
      }
      const afterKill = await Promise.all(killed.map((bookingId) => refundAfterCancel(system, bookingId)));
      for (const [status, count] of Object.entries(tally(afterKill))) report.counted[`worker kill: ${status}`] = count;

      let debits = 0;
      let refunds = 0;
      for (const bookingId of bookingIds) {
        const { data } = await system.emulatorControl<{ data: EmulatedPaymentIntent[] }>(
          'GET',
          `/_emulator/payment_intents?booking_id=${encodeURIComponent(bookingId)}`,
        );
        const debited = data.filter((intent) => intent.capture_method !== 'manual' && intent.status === 'succeeded');
        debits += debited.length;
        if (debited.length !== 1)
          report.failures.push(`${bookingId}: ${debited.length} bank debits succeeded, not exactly 1`);
        for (const intent of debited) {
          const refunded = await system.stripe.refunds.list({ payment_intent: intent.id, limit: 100 });
          refunds += refunded.data.length;
          if (refunded.data.length > 1)
            report.failures.push(`${bookingId}: ${refunded.data.length} refunds of ${intent.id}, not at most 1`);
        }
      }
      report.counted['bank debits succeeded'] = debits;
      report.counted['refunds'] = refunds;
      const requests = await requestsSince();
      report.counted['Stripe requests'] = requests.length;
      report.counted['faults injected'] = requests.filter(
        (request) => request.injectedFault !== null || request.injectedLatency !== null,
      ).length;
      report.counted['idempotent replays'] = requests.filter((request) => request.replayed).length;
      return checkInvariants(system, bookingIds);
    },
  );
}

/** Creates `count` bookings that also pay $125 by bank account: every other one typed in and verified by microdeposits. */
async function createBankBookings(system: SystemUnderTest, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const account =
        index % 2 === 0
          ? {
              bankAccount: {
                accountNumber: '000123456789',
                routingNumber: '110000000',
                accountHolderName: 'Chaos Guest',
              },
              verification: 'microdeposits',
            }
          : { paymentMethod: 'pm_usBankAccount_success', verification: 'automatic' };
      const booking = newBooking({
        bookingId: `chaos-bank-${newBooking().bookingId}`,
        payment: {
          amount: 12_500,
          method: 'us_bank_account',
          mandate: { ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0 (chaos)', acceptedAt: new Date().toISOString() },
          ...account,
        },
      });
      const created = await system.api('POST', '/v1/bookings', booking);
      if (created.status !== 201) throw new Error(`creating ${booking.bookingId} answered ${created.status}`);
      return booking.bookingId;
    }),
  );
}

async function paymentOf(system: SystemUnderTest, bookingId: string): Promise<PaymentView | null> {
  const { status, body } = await system.api<{ payment?: PaymentView }>('GET', `/v1/bookings/${bookingId}`);
  return status === 200 ? (body.payment ?? null) : null;
}

async function waitForPayment(system: SystemUnderTest, bookingId: string, statuses: string[]): Promise<PaymentView> {
  return waitFor(
    async () => {
      const payment = await paymentOf(system, bookingId);
      return payment && statuses.includes(payment.status) ? payment : false;
    },
    { timeoutMs: FLOW_TIMEOUT_MS, intervalMs: 300, description: `booking ${bookingId} payment ${statuses.join('|')}` },
  );
}

/** Verifies microdeposits when asked, then settles the debit: the payment ends succeeded. */
async function payUntilSucceeded(system: SystemUnderTest, bookingId: string): Promise<void> {
  const submitted = await waitForPayment(system, bookingId, ['awaiting_verification', 'processing']);
  if (submitted.status === 'awaiting_verification') {
    const proof = submitted.microdeposits?.type === 'amounts' ? { amounts: [32, 45] } : { descriptorCode: 'SM11AA' };
    // As the booking service would: a refused or failed answer is sent again until the bank verified.
    await waitFor(
      async () => {
        const answer = await system
          .api<{ result?: string }>('POST', `/v1/bookings/${bookingId}/microdeposits`, proof)
          .catch(() => null);
        if (answer?.status === 200 && answer.body.result === 'verified') return true;
        return (await paymentOf(system, bookingId))?.status === 'processing';
      },
      { timeoutMs: FLOW_TIMEOUT_MS, intervalMs: 1_000, description: `booking ${bookingId} microdeposits verified` },
    );
  }
  const processing = await waitForPayment(system, bookingId, ['processing']);
  await system.emulatorControl('POST', `/_emulator/payment_intents/${processing.paymentIntentId}/settle`);
  await waitForPayment(system, bookingId, ['succeeded']);
}

/** Settles the refund a cancelled booking asked for; answers the payment's final status. */
async function refundAfterCancel(system: SystemUnderTest, bookingId: string): Promise<string> {
  await waitFor(
    async () => {
      const answer = await system
        .api('POST', `/v1/bookings/${bookingId}/cancel`, { reason: 'chaos: refund' })
        .catch(() => null);
      return answer?.status === 200;
    },
    { timeoutMs: FLOW_TIMEOUT_MS, intervalMs: 1_000, description: `booking ${bookingId} cancelled` },
  );
  const requested = await waitFor(
    async () => {
      const payment = await paymentOf(system, bookingId);
      return payment?.refund ? payment : false;
    },
    { timeoutMs: FLOW_TIMEOUT_MS, intervalMs: 300, description: `booking ${bookingId} refund requested` },
  );
  if (requested.refund!.status === 'pending')
    await system.emulatorControl('POST', `/_emulator/refunds/${requested.refund!.id}/settle`);
  return (await waitForPayment(system, bookingId, ['refunded'])).status;
}

/** Pays, settles, cancels and refunds one booking. */
async function payThenRefund(system: SystemUnderTest, bookingId: string): Promise<string> {
  await payUntilSucceeded(system, bookingId);
  return refundAfterCancel(system, bookingId);
}
