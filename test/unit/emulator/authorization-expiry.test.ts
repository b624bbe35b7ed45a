/** Advancing the emulator clock expires uncaptured card authorizations the way Stripe does. */
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CARD_AUTHORIZATION_VALIDITY_SECONDS } from '../../../emulator/payments/card-authorization.js';
import { holdParams, useRunningEmulator } from '../../../harness/running-emulator.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../harness/webhook-receiver.js';

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
}));

beforeEach(() => {
  receiver.received.length = 0;
});

async function holdFor(bookingId: string): Promise<Stripe.PaymentIntent> {
  return running.stripe.paymentIntents.create({ ...holdParams(bookingId), expand: ['latest_charge'] });
}

describe('authorization expiry', () => {
  it('keeps a hold until capture_before', async () => {
    const held = await holdFor('bk-still-valid');
    await running.control('POST', '/_emulator/clock/advance', { seconds: CARD_AUTHORIZATION_VALIDITY_SECONDS - 60 });
    expect((await running.stripe.paymentIntents.retrieve(held.id)).status).toBe('requires_capture');
  });

  it('expires the hold past capture_before: canceled, reason automatic, charge released, events delivered', async () => {
    const held = await holdFor('bk-expired');
    const captureBefore = (held.latest_charge as Stripe.Charge).payment_method_details?.card?.capture_before ?? 0;
    const clockBefore = await running.control('GET', '/_emulator/clock');
    expect(captureBefore - clockBefore.now).toBeGreaterThan(CARD_AUTHORIZATION_VALIDITY_SECONDS - 5);

    const advanced = await running.control('POST', '/_emulator/clock/advance', {
      seconds: CARD_AUTHORIZATION_VALIDITY_SECONDS + 1,
    });
    expect(advanced.offsetSeconds).toBe(CARD_AUTHORIZATION_VALIDITY_SECONDS + 1);
    expect(advanced.expiredPaymentIntents).toEqual([held.id]);

    const expired = await running.stripe.paymentIntents.retrieve(held.id, { expand: ['latest_charge'] });
    expect(expired).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic', amount_capturable: 0 });
    expect(expired.latest_charge).toMatchObject({ captured: false, refunded: true, amount_refunded: 100 });

    await running.emulator.webhooks.whenIdle();
    const delivered = receiver.received.map((delivery) => JSON.parse(delivery.rawBody) as Stripe.Event);
    const expiryEvents = delivered.filter((event) => event.created >= advanced.now - 5);
    expect(expiryEvents.map((event) => event.type)).toEqual(['charge.expired', 'payment_intent.canceled']);
    expect(expiryEvents.every((event) => event.request?.id === null)).toBe(true);
    expect((expiryEvents[1].data.object as Stripe.PaymentIntent).cancellation_reason).toBe('automatic');
    expect((expiryEvents[0].data.object as Stripe.Charge).metadata.booking_id).toBe('bk-expired');
  });

  it('refuses to capture or cancel an expired hold', async () => {
    const held = await holdFor('bk-too-late');
    await running.control('POST', '/_emulator/clock/advance', { seconds: CARD_AUTHORIZATION_VALIDITY_SECONDS + 1 });
    await expect(running.stripe.paymentIntents.capture(held.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_intent_unexpected_state',
    });
    await expect(running.stripe.paymentIntents.cancel(held.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
  });

  it('leaves a hold the caller already released alone', async () => {
    const held = await holdFor('bk-released');
    await running.stripe.paymentIntents.cancel(held.id, { cancellation_reason: 'abandoned' });
    const advanced = await running.control('POST', '/_emulator/clock/advance', {
      seconds: CARD_AUTHORIZATION_VALIDITY_SECONDS + 1,
    });
    expect(advanced.expiredPaymentIntents).toEqual([]);
    expect((await running.stripe.paymentIntents.retrieve(held.id)).cancellation_reason).toBe('abandoned');
  });

  it("lets a hold lapse now with Stripe's own `expired` reason through the control route", async () => {
    const held = await holdFor('bk-lapsed-expired');

    await running.control('POST', `/_emulator/payment_intents/${held.id}/expire`, { reason: 'expired' });

    const expired = await running.stripe.paymentIntents.retrieve(held.id, { expand: ['latest_charge'] });
    expect(expired).toMatchObject({ status: 'canceled', cancellation_reason: 'expired', amount_capturable: 0 });
    expect(expired.latest_charge).toMatchObject({ refunded: true });
    await expect(running.control('POST', `/_emulator/payment_intents/${held.id}/expire`, {})).rejects.toThrow(/409/);
  });
});

describe('payment methods of another customer', () => {
  it('refuses to confirm a hold with a card saved to another customer, on payment_method, and leaves the PaymentIntent as it was', async () => {
    const [payer, other] = await Promise.all([
      running.stripe.customers.create({ email: 'payer@example.com' }),
      running.stripe.customers.create({ email: 'other@example.com' }),
    ]);
    const othersCard = await running.stripe.paymentMethods.attach('pm_card_visa', { customer: other.id });
    const ownCard = await running.stripe.paymentMethods.attach('pm_card_visa', { customer: payer.id });
    const { payment_method: _pm, confirm: _confirm, ...unconfirmed } = holdParams('bk-other-customer');
    const intent = await running.stripe.paymentIntents.create({ ...unconfirmed, customer: payer.id });

    await expect(
      running.stripe.paymentIntents.confirm(intent.id, { payment_method: othersCard.id }),
    ).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      param: 'payment_method',
      statusCode: 400,
    });
    await expect(
      running.stripe.paymentIntents.create({
        ...holdParams('bk-other-customer-create', othersCard.id),
        customer: payer.id,
      }),
    ).rejects.toMatchObject({ param: 'payment_method' });
    expect((await running.stripe.paymentIntents.retrieve(intent.id)).status).toBe('requires_payment_method');
    expect((await running.stripe.paymentIntents.confirm(intent.id, { payment_method: ownCard.id })).status).toBe(
      'requires_capture',
    );
  });
});
