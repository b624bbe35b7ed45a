/**
 * Stripe cancels a PaymentIntent whose confirmations keep failing: after too many confirmations it moves
 * to canceled on its own (`cancellation_reason: automatic`); the emulator's limit is lowered to 3 here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStripeEmulator } from '../../../emulator/create-emulator.js';
import { DEFAULT_FAILED_CONFIRMATION_LIMIT } from '../../../emulator/payments/confirmation-limit.js';
import { ONLINE_MANDATE, bankDebitParams } from '../../../harness/bank-debits.js';
import {
  holdParams,
  refusal,
  startRunningEmulator,
  useRunningEmulator,
  type RunningEmulator,
} from '../../../harness/running-emulator.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../harness/webhook-receiver.js';

const LIMIT = 3;

let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const running = useRunningEmulator(() => ({
  webhookUrl: receiver.url,
  webhookRetry: { baseDelayMs: 10, maxAttempts: 2 },
  failedConfirmationLimit: LIMIT,
}));

beforeEach(() => {
  receiver.received.length = 0;
});

/** An unconfirmed $1 card hold for `bookingId`. */
function unconfirmedHold(emulator: RunningEmulator, bookingId: string): Promise<Stripe.PaymentIntent> {
  const { confirm: _confirm, payment_method: _paymentMethod, ...params } = holdParams(bookingId);
  return emulator.stripe.paymentIntents.create(params);
}

/** Confirms `paymentIntentId` with a card that is declined, `times` times; returns the last refusal. */
async function declineTimes(
  emulator: RunningEmulator,
  paymentIntentId: string,
  times: number,
): Promise<Stripe.errors.StripeError> {
  let last: Stripe.errors.StripeError | undefined;
  for (let attempt = 0; attempt < times; attempt += 1) {
    last = await refusal(() =>
      emulator.stripe.paymentIntents.confirm(paymentIntentId, { payment_method: 'pm_card_chargeDeclined' }),
    );
  }
  if (!last) throw new Error('decline at least once');
  return last;
}

describe('the confirmation limit', () => {
  it('leaves a PaymentIntent declined fewer times than the limit awaiting a payment method, and a good card still holds', async () => {
    const hold = await unconfirmedHold(running, 'bk-below-limit');
    const lastDecline = await declineTimes(running, hold.id, LIMIT - 1);
    expect((lastDecline.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');

    const held = await running.stripe.paymentIntents.confirm(hold.id, { payment_method: 'pm_card_visa' });
    expect(held.status).toBe('requires_capture');
  });

  it('answers the decline that reaches the limit with 402 and the PaymentIntent canceled, reason automatic', async () => {
    const hold = await unconfirmedHold(running, 'bk-at-limit');
    const error = await declineTimes(running, hold.id, LIMIT);

    expect(error).toMatchObject({
      statusCode: 402,
      type: 'StripeCardError',
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    expect(error.payment_intent).toMatchObject({ id: hold.id, status: 'canceled', cancellation_reason: 'automatic' });
    const canceled = await running.stripe.paymentIntents.retrieve(hold.id);
    expect(canceled).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'automatic',
      last_payment_error: { code: 'card_declined' },
    });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
  });

  it('delivers payment_intent.canceled after the last payment_failed, raised by Stripe rather than the request', async () => {
    const hold = await unconfirmedHold(running, 'bk-limit-events');
    await declineTimes(running, hold.id, LIMIT);

    await running.emulator.webhooks.whenIdle();
    const delivered = receiver.received
      .map((delivery) => JSON.parse(delivery.rawBody) as Stripe.Event)
      .filter((event) => (event.data.object as { id: string }).id === hold.id);
    expect(delivered.map((event) => event.type).slice(-2)).toEqual([
      'payment_intent.payment_failed',
      'payment_intent.canceled',
    ]);
    const [lastFailure, cancellation] = delivered.slice(-2);
    expect(lastFailure.request?.id).toMatch(/^req_/);
    expect(cancellation.request).toEqual({ id: null, idempotency_key: null });
    expect(cancellation.data.object).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
  });

  it('refuses any further confirmation with payment_intent_unexpected_state', async () => {
    const hold = await unconfirmedHold(running, 'bk-after-limit');
    await declineTimes(running, hold.id, LIMIT);

    const error = await refusal(() =>
      running.stripe.paymentIntents.confirm(hold.id, { payment_method: 'pm_card_visa' }),
    );
    expect(error).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expect((error.payment_intent as Stripe.PaymentIntent).status).toBe('canceled');
  });

  it('counts the decline of a hold created with confirm=true and off-session authentication_required declines', async () => {
    const declinedAtCreation = await refusal(() =>
      running.stripe.paymentIntents.create(holdParams('bk-mixed-failures', 'pm_card_chargeDeclinedInsufficientFunds')),
    );
    const paymentIntentId = (declinedAtCreation.payment_intent as Stripe.PaymentIntent).id;
    await declineTimes(running, paymentIntentId, 1);

    const error = await refusal(() =>
      running.stripe.paymentIntents.confirm(paymentIntentId, {
        payment_method: 'pm_card_authenticationRequired',
        off_session: true,
      }),
    );
    expect(error).toMatchObject({ statusCode: 402, code: 'authentication_required' });
    expect((error.payment_intent as Stripe.PaymentIntent).status).toBe('canceled');
  });

  it('counts bank debits refused by Radar', async () => {
    const first = await refusal(() =>
      running.stripe.paymentIntents.create(bankDebitParams('pm_usBankAccount_riskLevelHighest')),
    );
    const paymentIntentId = (first.payment_intent as Stripe.PaymentIntent).id;
    let error = first;
    for (let attempt = 1; attempt < LIMIT; attempt += 1) {
      error = await refusal(() =>
        running.stripe.paymentIntents.confirm(paymentIntentId, {
          payment_method: 'pm_usBankAccount_riskLevelHighest',
          mandate_data: ONLINE_MANDATE,
        }),
      );
    }
    expect(error).toMatchObject({ statusCode: 402, code: 'payment_intent_payment_attempt_failed' });
    expect(error.payment_intent).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
  });

  it('does not count refused requests that attempted no payment (no mandate for a bank debit)', async () => {
    const {
      mandate_data: _mandate,
      confirm: _confirm,
      payment_method: _paymentMethod,
      ...params
    } = bankDebitParams('pm_usBankAccount_success');
    const debit = await running.stripe.paymentIntents.create(params);
    for (let attempt = 0; attempt < LIMIT; attempt += 1) {
      const error = await refusal(() =>
        running.stripe.paymentIntents.confirm(debit.id, { payment_method: 'pm_usBankAccount_success' }),
      );
      expect(error.statusCode).toBe(400);
      expect((error.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');
    }
    const processing = await running.stripe.paymentIntents.confirm(debit.id, { mandate_data: ONLINE_MANDATE });
    expect(processing.status).toBe('processing');
  });

  it('does not count a replayed idempotent confirmation again', async () => {
    const hold = await unconfirmedHold(running, 'bk-replayed-decline');
    for (let replay = 0; replay < LIMIT; replay += 1) {
      const error = await refusal(() =>
        running.stripe.paymentIntents.confirm(
          hold.id,
          { payment_method: 'pm_card_chargeDeclined' },
          { idempotencyKey: 'confirm-once' },
        ),
      );
      expect((error.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');
    }
    expect((await running.stripe.paymentIntents.retrieve(hold.id)).status).toBe('requires_payment_method');
  });
});

describe('the default confirmation limit', () => {
  it(`cancels at the ${DEFAULT_FAILED_CONFIRMATION_LIMIT}th failed confirmation`, async () => {
    const emulator = await startRunningEmulator();
    try {
      const hold = await unconfirmedHold(emulator, 'bk-default-limit');
      const beforeLimit = await declineTimes(emulator, hold.id, DEFAULT_FAILED_CONFIRMATION_LIMIT - 1);
      expect((beforeLimit.payment_intent as Stripe.PaymentIntent).status).toBe('requires_payment_method');
      const atLimit = await declineTimes(emulator, hold.id, 1);
      expect((atLimit.payment_intent as Stripe.PaymentIntent).status).toBe('canceled');
    } finally {
      await emulator.close();
    }
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => createStripeEmulator({ webhookSecret: 'whsec_x', failedConfirmationLimit: 0 })).toThrow(
      /failedConfirmationLimit/,
    );
    expect(() => createStripeEmulator({ webhookSecret: 'whsec_x', failedConfirmationLimit: 2.5 })).toThrow(
      /failedConfirmationLimit/,
    );
  });
});

describe('failed confirmations across an emulator restart', () => {
  let directory: string;

  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'stripe-emulator-confirmation-limit-'));
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('keeps counting the failures made before the restart', async () => {
    const stateFile = path.join(directory, 'stripe-emulator.json');
    const before = await startRunningEmulator({ stateFile, failedConfirmationLimit: LIMIT });
    const hold = await unconfirmedHold(before, 'bk-restart-limit');
    await declineTimes(before, hold.id, LIMIT - 1);
    await before.close();

    const after = await startRunningEmulator({ stateFile, failedConfirmationLimit: LIMIT });
    try {
      const error = await declineTimes(after, hold.id, 1);
      expect(error.payment_intent).toMatchObject({ id: hold.id, status: 'canceled', cancellation_reason: 'automatic' });
    } finally {
      await after.close();
    }
  });
});
