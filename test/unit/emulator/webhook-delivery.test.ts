/** Webhooks are signed as Stripe signs them, retried on failure, and can be duplicated, reordered or paused. */
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { holdParams, startRunningEmulator, useRunningEmulator } from '../../../harness/running-emulator.js';
import { waitFor } from '../../../harness/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../harness/webhook-receiver.js';

const WEBHOOK_SECRET = 'whsec_delivery_tests';
let receiver: WebhookReceiver;

interface DeliveryView {
  eventId: string;
  eventType: string;
  copy: number;
  state: string;
  attempts: Array<{ status: number | null; at: string }>;
}

function receivedTypes(): string[] {
  return receiver.received.map((delivery) => (JSON.parse(delivery.rawBody) as Stripe.Event).type);
}

async function holdFor(bookingId: string, paymentMethod = 'pm_card_visa'): Promise<Stripe.PaymentIntent> {
  return running.stripe.paymentIntents.create(holdParams(bookingId, paymentMethod));
}

async function deliveries(): Promise<DeliveryView[]> {
  return (await running.control('GET', '/_emulator/webhooks/deliveries')).data;
}

const HOLD_EVENT_TYPES = ['payment_intent.created', 'charge.succeeded', 'payment_intent.amount_capturable_updated'];

beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver.close();
});

const running = useRunningEmulator(() => ({
  webhookUrl: receiver.url,
  webhookSecret: WEBHOOK_SECRET,
  webhookRetry: { baseDelayMs: 20, maxAttempts: 4 },
}));

beforeEach(() => {
  receiver.received.length = 0;
  receiver.answerWith(() => 200);
});
afterEach(async () => {
  await running.emulator.webhooks.whenIdle();
});

describe('webhook delivery', () => {
  it('signs each delivery so stripe.webhooks.constructEvent accepts it', async () => {
    const held = await holdFor('bk-signed');
    await running.emulator.webhooks.whenIdle();
    expect(receivedTypes()).toEqual(HOLD_EVENT_TYPES);
    for (const delivery of receiver.received) {
      expect(delivery.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const event = running.stripe.webhooks.constructEvent(delivery.rawBody, delivery.signature ?? '', WEBHOOK_SECRET);
      expect((event.data.object as { metadata: Record<string, string> }).metadata.booking_id).toBe('bk-signed');
      expect(event.request?.id).toMatch(/^req_/);
    }
    const charge = JSON.parse(receiver.received[1].rawBody).data.object;
    expect(charge.payment_intent).toBe(held.id);
    expect(() =>
      running.stripe.webhooks.constructEvent(
        receiver.received[0].rawBody,
        receiver.received[0].signature ?? '',
        'whsec_other',
      ),
    ).toThrow(Stripe.errors.StripeSignatureVerificationError);
  });

  it('clears pending_webhooks once an event is delivered', async () => {
    await holdFor('bk-pending');
    await running.emulator.webhooks.whenIdle();
    const events = await running.stripe.events.list({ limit: 10 });
    expect(events.data.every((event) => event.pending_webhooks === 0)).toBe(true);
    expect(JSON.parse(receiver.received[0].rawBody).pending_webhooks).toBe(1);
  });

  it('retries with backoff when the receiver answers 500, until it accepts', async () => {
    receiver.answerWith(({ index }) => (index < 2 ? 500 : 200));
    const customer = await running.stripe.customers.create({ email: 'retry@example.com' });
    await running.emulator.webhooks.whenIdle();
    expect(receiver.received.map((delivery) => delivery.answeredStatus)).toEqual([500, 500, 200]);
    const [delivery] = await deliveries();
    expect(delivery).toMatchObject({ eventType: 'customer.created', state: 'delivered' });
    expect(delivery.attempts.map((attempt) => attempt.status)).toEqual([500, 500, 200]);
    expect(JSON.parse(receiver.received[2].rawBody).data.object.id).toBe(customer.id);
  });

  it('gives up after the configured number of attempts', async () => {
    receiver.answerWith(() => 503);
    await running.stripe.customers.create({ email: 'never@example.com' });
    await running.emulator.webhooks.whenIdle();
    const [delivery] = await deliveries();
    expect(delivery.state).toBe('failed');
    expect(delivery.attempts).toHaveLength(4);
  });

  it('caps the backoff at maxDelayMs, so many quick attempts outlive a long outage of the receiver', async () => {
    const capped = await startRunningEmulator({
      webhookUrl: receiver.url,
      webhookSecret: WEBHOOK_SECRET,
      webhookRetry: { baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 8 },
    });
    try {
      receiver.answerWith(({ index }) => (index < 7 ? 503 : 200));
      await capped.stripe.customers.create({ email: 'outage@example.com' });
      await capped.emulator.webhooks.whenIdle(5_000);
      const [delivery] = (await capped.control('GET', '/_emulator/webhooks/deliveries')).data as DeliveryView[];
      expect(delivery.state).toBe('delivered');
      expect(delivery.attempts).toHaveLength(8);
      const times = delivery.attempts.map((attempt) => Date.parse(attempt.at));
      // Doubling without the cap would wait 20 + 40 + … + 1280 = 2540 ms in all; capped it is 310 ms.
      expect(times[times.length - 1] - times[0]).toBeLessThan(1_500);
    } finally {
      await capped.close();
    }
  });

  it('delivers injected duplicates of each event', async () => {
    await running.control('POST', '/_emulator/faults', { webhooks: { duplicates: 2 } });
    await running.stripe.customers.create({ email: 'dup@example.com' });
    await running.emulator.webhooks.whenIdle();
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.eventIds()).size).toBe(1);
    expect((await deliveries()).map((delivery) => delivery.copy)).toEqual([0, 1, 2]);
  });

  it('reorders a batch of events when asked', async () => {
    await running.control('POST', '/_emulator/faults', { webhooks: { reorder: true } });
    await holdFor('bk-reordered');
    await running.emulator.webhooks.whenIdle();
    expect(receivedTypes()).toEqual([...HOLD_EVENT_TYPES].reverse());
  });

  it('holds deliveries while paused and releases them on flush', async () => {
    await running.control('POST', '/_emulator/faults', { webhooks: { pause: true } });
    await holdFor('bk-paused');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received).toHaveLength(0);
    expect((await deliveries()).every((delivery) => delivery.state === 'held')).toBe(true);

    expect(await running.control('POST', '/_emulator/webhooks/flush')).toEqual({ released: 3 });
    await waitFor(() => receiver.received.length === 3, { timeoutMs: 2000, description: 'flushed deliveries' });
    expect(receivedTypes()).toEqual(HOLD_EVENT_TYPES);
  });

  it('drops held deliveries: never sent, not even by a later flush, while the events stay listed', async () => {
    await running.control('POST', '/_emulator/faults', { webhooks: { pause: true } });
    const held = await holdFor('bk-dropped');
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(await running.control('POST', '/_emulator/webhooks/drop')).toEqual({ dropped: 3 });
    expect((await deliveries()).map((delivery) => delivery.state)).toEqual(['failed', 'failed', 'failed']);
    await running.control('DELETE', '/_emulator/faults');
    expect(await running.control('POST', '/_emulator/webhooks/flush')).toEqual({ released: 0 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(receiver.received).toHaveLength(0);

    const listed = await running.stripe.events.list({ type: 'payment_intent.*', limit: 10 });
    expect(listed.data.map((event) => (event.data.object as { id: string }).id)).toContain(held.id);
  });

  it('delays deliveries by delayMs', async () => {
    await running.control('POST', '/_emulator/faults', { webhooks: { delayMs: 200 } });
    await running.stripe.customers.create({ email: 'late@example.com' });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(receiver.received).toHaveLength(0);
    await waitFor(() => receiver.received.length === 1, { timeoutMs: 2000, description: 'delayed delivery' });
  });

  it('redelivers an event on request', async () => {
    const customer = await running.stripe.customers.create({ email: 'again@example.com' });
    await running.emulator.webhooks.whenIdle();
    const [event] = (await running.stripe.events.list({ type: 'customer.created' })).data;
    expect((event.data.object as Stripe.Customer).id).toBe(customer.id);
    await running.control('POST', `/_emulator/events/${event.id}/redeliver`);
    await running.emulator.webhooks.whenIdle();
    expect(receiver.eventIds()).toEqual([event.id, event.id]);
  });
});
