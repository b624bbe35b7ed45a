/** Settlement of processing bank debits on the emulator clock, by control, and the cancellation windows and target dates. */
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  onBusinessDay,
  parseIsoDate,
  subtractBusinessDays,
} from '../../../emulator/bank-debits/ach-timings.js';
import { advanceClock, bankDebitParams, emulatorNow } from '../../../harness/bank-debits.js';
import { useRunningEmulator } from '../../../harness/running-emulator.js';

const running = useRunningEmulator();

function isoDate(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

describe('settlement with Stripe’s default timing', () => {
  it('stays processing until 4 business days have passed on the emulator clock, then succeeds', async () => {
    const now = await emulatorNow(running);
    const paymentIntent = await running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_success'));
    const settlesIn = addBusinessDays(now, 4) - now;
    await advanceClock(running, settlesIn - 60);
    expect((await running.stripe.paymentIntents.retrieve(paymentIntent.id)).status).toBe('processing');
    await advanceClock(running, 120);
    expect((await running.stripe.paymentIntents.retrieve(paymentIntent.id)).status).toBe('succeeded');
  });

  it('settles one PaymentIntent at once through the control API, and refuses one that is not processing', async () => {
    const paymentIntent = await running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_success'));
    const settled = await running.control('POST', `/_emulator/payment_intents/${paymentIntent.id}/settle`);
    expect(settled.status).toBe('succeeded');
    await expect(running.control('POST', `/_emulator/payment_intents/${paymentIntent.id}/settle`)).rejects.toThrow(
      /409/,
    );
    await expect(running.control('POST', '/_emulator/payment_intents/pi_missing/settle')).rejects.toThrow(/404/);
  });

  it('cancels a processing debit within the cancellation window and refuses after it', async () => {
    const early = await running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_success'));
    const canceled = await running.stripe.paymentIntents.cancel(early.id, {
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer' });
    const charge = await running.stripe.charges.retrieve(canceled.latest_charge as string);
    expect(charge.status).toBe('failed');
    await advanceClock(running, 30 * 86_400);
    expect((await running.stripe.paymentIntents.retrieve(early.id)).status).toBe('canceled');

    const late = await running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_success'));
    await advanceClock(running, 3601);
    await expect(running.stripe.paymentIntents.cancel(late.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_intent_unexpected_state',
    });
    expect((await running.stripe.paymentIntents.retrieve(late.id)).status).toBe('processing');
  });
});

describe('target dates', () => {
  it('settles on the target date (or the next business day) and allows cancellation until 3 business days before it', async () => {
    const now = await emulatorNow(running);
    const targetDate = isoDate(now + 10 * 86_400);
    const paymentIntent = await running.stripe.paymentIntents.create(
      bankDebitParams('pm_usBankAccount_success', {
        payment_method_options: { us_bank_account: { target_date: targetDate } },
      }),
    );
    expect(paymentIntent.status).toBe('processing');
    expect(paymentIntent.payment_method_options?.us_bank_account?.target_date).toBe(targetDate);
    const debitDay = onBusinessDay(parseIsoDate(targetDate) ?? 0);
    const cancelDeadline = subtractBusinessDays(debitDay, 3);

    await advanceClock(running, cancelDeadline - now + 1);
    await expect(running.stripe.paymentIntents.cancel(paymentIntent.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    expect((await running.stripe.paymentIntents.retrieve(paymentIntent.id)).status).toBe('processing');
    await advanceClock(running, debitDay - cancelDeadline);
    expect((await running.stripe.paymentIntents.retrieve(paymentIntent.id)).status).toBe('succeeded');
  });

  it('cancels a debit with a target date before the deadline', async () => {
    const now = await emulatorNow(running);
    const paymentIntent = await running.stripe.paymentIntents.create(
      bankDebitParams('pm_usBankAccount_success', {
        payment_method_options: { us_bank_account: { target_date: isoDate(now + 14 * 86_400) } },
      }),
    );
    await advanceClock(running, 2 * 86_400);
    expect((await running.stripe.paymentIntents.cancel(paymentIntent.id)).status).toBe('canceled');
  });

  it.each([
    ['2 days ahead', 2],
    ['16 days ahead', 16],
  ])('refuses a target date %s', async (_name, days) => {
    const now = await emulatorNow(running);
    const refused = running.stripe.paymentIntents.create(
      bankDebitParams('pm_usBankAccount_success', {
        payment_method_options: { us_bank_account: { target_date: isoDate(now + days * 86_400) } },
      }),
    );
    await expect(refused).rejects.toMatchObject({
      statusCode: 400,
      param: 'payment_method_options[us_bank_account][target_date]',
    });
  });

  it('accepts target dates 3 and 15 days ahead and refuses a malformed one', async () => {
    const now = await emulatorNow(running);
    for (const days of [3, 15]) {
      const created = await running.stripe.paymentIntents.create(
        bankDebitParams('pm_usBankAccount_success', {
          payment_method_options: { us_bank_account: { target_date: isoDate(now + days * 86_400) } },
        }),
      );
      expect(created.status).toBe('processing');
    }
    await expect(
      running.stripe.paymentIntents.create(
        bankDebitParams('pm_usBankAccount_success', {
          payment_method_options: { us_bank_account: { target_date: '2026-02-30' } },
        }),
      ),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe('configured settlement delay', () => {
  const quick = useRunningEmulator({ achSettlementSeconds: 120, achCancelWindowSeconds: 30 });

  it('settles after achSettlementSeconds and closes cancellation after achCancelWindowSeconds', async () => {
    const paymentIntent = await quick.stripe.paymentIntents.create(
      bankDebitParams('pm_usBankAccount_insufficientFunds'),
    );
    await advanceClock(quick, 31);
    await expect(quick.stripe.paymentIntents.cancel(paymentIntent.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    await advanceClock(quick, 90);
    const failed = await quick.stripe.paymentIntents.retrieve(paymentIntent.id);
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { code: 'insufficient_funds' },
    });
  });
});
