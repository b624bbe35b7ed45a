/**
 * The chaos scenarios (chaos/) at CI scale, on one running system: each must meet its own
 * expectations and every invariant (one hold per booking, holds released and reported, no webhook
 * lost, no booking stuck). `npm run chaos` runs the same scenarios larger; here Temporal and
 * PostgreSQL are down for 10 s instead of a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBookings, waitForHolds } from '../../chaos/booking-driver.js';
import { startChaosSystem, type ChaosSystem } from '../../chaos/chaos-system.js';
import { checkInvariants } from '../../chaos/invariants.js';
import { installQuietReplayRuntime } from '../../chaos/non-deterministic-change.js';
import { printScenarioReport, type ChaosScale, type ScenarioReport } from '../../chaos/scenario-report.js';
import { chaosScenarios } from '../../chaos/scenarios.js';

const CI_SCALE: ChaosScale = { bookings: 3, copies: 5, outageSeconds: 10 };
let chaos: ChaosSystem;

beforeAll(async () => {
  installQuietReplayRuntime();
  chaos = await startChaosSystem();
}, 180_000);

afterAll(async () => {
  await chaos?.stop();
});

/** Runs a scenario by name and asserts it found nothing wrong. */
async function expectScenarioHolds(name: string): Promise<ScenarioReport> {
  const scenario = chaosScenarios.find((candidate) => candidate.name === name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  const report = await scenario.run(chaos.system, CI_SCALE, chaos);
  printScenarioReport(report);
  expect(report.failures).toEqual([]);
  expect(report.invariants.violations).toEqual([]);
  return report;
}

describe('fault and bad-input scenarios', () => {
  it('turns every webhook delivered many times at once, in a shuffled order, into one transition each', async () => {
    const report = await expectScenarioHolds('duplicate-webhooks');
    expect(report.invariants.checked.holds).toBe(CI_SCALE.bookings);
  });

  it("holds every booking once whatever the order of its flow's webhooks, each ordering delivered", async () => {
    const report = await expectScenarioHolds('event-orderings');
    expect(report.counted['distinct orderings delivered']).toBeGreaterThanOrEqual(24);
  });

  it('rejects forged, re-serialised, unsigned and stale webhooks and ignores a replayed one', async () => {
    const report = await expectScenarioHolds('hostile-webhooks');
    expect(report.counted['rejected events stored']).toBe(0);
  });

  it('keeps one hold per booking while Stripe answers 429, 500 after the work and declines', async () => {
    const report = await expectScenarioHolds('stripe-faults');
    expect(report.counted['faults injected']).toBeGreaterThan(0);
  });

  it('keeps one hold per booking when Stripe answers later than the client waits, after the work or before it', async () => {
    const report = await expectScenarioHolds('stripe-timeouts');
    expect(report.counted['after: timeouts injected']).toBeGreaterThan(0);
    expect(report.counted['before: timeouts injected']).toBeGreaterThan(0);
    expect(report.counted['after: idempotent replays']).toBeGreaterThan(0);
    expect(report.invariants.checked.holds).toBe(2 * CI_SCALE.bookings);
  });

  it('debits each bank payment exactly once and refunds it at most once while Stripe answers 500s, late answers and a worker is killed', async () => {
    const report = await expectScenarioHolds('bank-faults');
    expect(report.counted['faults injected']).toBeGreaterThan(0);
    expect(report.counted['bank debits succeeded']).toBe(4 * CI_SCALE.bookings);
    expect(report.counted.refunds).toBe(4 * CI_SCALE.bookings);
    expect(report.counted['refund answers held at the kill']).toBe(CI_SCALE.bookings);
  });

  it('refuses creates with 503 while Temporal is down, takes them when sent again, relays the webhooks stored meanwhile and releases every hold', async () => {
    const report = await expectScenarioHolds('temporal-outage');
    expect(report.counted['creates refused during the outage']).toBeGreaterThan(0);
    expect(report.counted['sent again: answered 201']).toBe(report.counted['creates refused during the outage']);
    expect(report.counted['webhooks stored during the outage, relayed after it']).toBeGreaterThan(0);
    expect(report.invariants.checked.released).toBe(report.invariants.checked.bookings);
  });

  it('refuses creates and webhooks with 503 while PostgreSQL is down, then converges with every hold released', async (context) => {
    const report = await expectScenarioHolds('postgres-outage');
    if (report.skipped) context.skip(report.skipped);
    expect(report.counted['creates refused during the outage']).toBeGreaterThan(0);
    expect(report.counted['webhook deliveries failed, then retried']).toBeGreaterThan(0);
    expect(report.counted['activities seen retrying during the outage']).toBeGreaterThan(0);
    expect(report.counted['relay pass failures']).toBeGreaterThan(0);
    expect(report.invariants.checked.released).toBe(report.invariants.checked.bookings);
  });

  it('answers bad API input with 4xx and the error shape, stores nothing, and logs no card, bank or secret', async () => {
    const report = await expectScenarioHolds('bad-api-input');
    expect(report.counted['sensitive findings in logs']).toBe(0);
    expect(report.counted['rejected and left nothing']).toBeGreaterThan(50);
  });

  it('catches a non-deterministic workflow change by replay and accepts it behind patched()', async () => {
    const report = await expectScenarioHolds('non-deterministic-change');
    expect(report.counted['unguarded timer: non-determinism errors']).toBeGreaterThan(0);
    expect(report.counted['timer behind patched(): replays failed']).toBe(0);
  });

  it('keeps one hold per booking when the worker is killed after Stripe answered and at a random moment, then restarted', async () => {
    const report = await expectScenarioHolds('worker-kill');
    expect(report.counted.kills).toBe(2);
    expect(report.counted['answers held at the kill']).toBe(CI_SCALE.bookings);
    expect(report.counted['held confirmations replayed']).toBe(CI_SCALE.bookings);
    expect(report.counted['held then released']).toBe(2 * CI_SCALE.bookings);
    expect(report.invariants.checked.holds).toBe(2 * CI_SCALE.bookings);
  });

  it('answers retried creates and webhooks once when the API process is killed with requests in flight', async () => {
    const report = await expectScenarioHolds('api-kill');
    expect(report.counted['lost in the kill']).toBeGreaterThan(0);
    expect(report.counted['requests retried after losing their answer']).toBe(report.counted['lost in the kill']);
    expect(report.counted['bookings with one workflow']).toBe(2 * CI_SCALE.bookings);
    expect(report.counted['webhooks answered 200 and in the inbox']).toBe(report.tried['webhooks in the burst']);
  });

  it('fails the invariants on a captured hold and on a PaymentIntent left unconfirmed', async () => {
    const [captured, abandoned] = await createBookings(chaos.system, 2, () => ({
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    }));
    const [held] = await waitForHolds(chaos.system, [captured], ['held']);
    await chaos.system.stripe.paymentIntents.capture(held.hold.paymentIntentId!);
    const unconfirmed = await chaos.system.stripe.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      metadata: { booking_id: abandoned },
    });
    await waitForHolds(chaos.system, [abandoned], ['held']);
    await chaos.system.api('POST', `/v1/bookings/${abandoned}/cancel`, { reason: 'chaos done' });

    const { violations } = await checkInvariants(chaos.system, [captured, abandoned], { settleMs: 0 });

    expect(violations).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          `PaymentIntent ${held.hold.paymentIntentId} of ${captured} is succeeded: a hold was captured`,
        ),
        expect.stringContaining(
          `PaymentIntent ${unconfirmed.id} of ${abandoned} is requires_confirmation: created and never confirmed`,
        ),
      ]),
    );
    await chaos.system.api('POST', `/v1/bookings/${captured}/cancel`, { reason: 'chaos done' });
  });

  it('finds no card number, bank account, email or secret in any log line the worker and API processes wrote', async () => {
    const report = await expectScenarioHolds('log-scan');
    expect(report.counted['sensitive findings in logs']).toBe(0);
    expect(report.counted['worker activity lines']).toBeGreaterThan(0);
    expect(report.counted['API processes lines scanned']).toBeGreaterThan(0);
  });
});
