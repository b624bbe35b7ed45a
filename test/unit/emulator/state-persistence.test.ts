/** With a state file, a restarted emulator carries on where the previous one stopped. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripeEmulator } from '../../../emulator/create-emulator.js';
import { StateFileError } from '../../../emulator/persistence/state-file.js';
import { startRunningEmulator, type RunningEmulator } from '../../../harness/running-emulator.js';
import { waitFor } from '../../../harness/wait-for.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../harness/webhook-receiver.js';

const HOLD_KEY = 'hold-bk-restart-1';
const ADVANCED_SECONDS = 3600;

const holdParams = {
  amount: 100,
  currency: 'usd',
  capture_method: 'manual' as const,
  payment_method: 'pm_card_visa',
  confirm: true,
  metadata: { booking_id: 'bk-restart' },
};

/** A response header as the `stripe` package exposes it (a Headers object with the fetch client). */
function responseHeader(resource: { lastResponse: { headers: unknown } }, name: string): string | undefined {
  const headers = resource.lastResponse.headers;
  return headers instanceof Headers ? (headers.get(name) ?? undefined) : (headers as Record<string, string>)[name];
}

let directory: string;

beforeAll(() => {
  directory = mkdtempSync(path.join(tmpdir(), 'stripe-emulator-state-'));
});
afterAll(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe('a held PaymentIntent across an emulator restart', () => {
  let stateFile: string;
  let held: Stripe.PaymentIntent;
  let eventIdsOnA: string[];
  let emulatorB: RunningEmulator;

  beforeAll(async () => {
    stateFile = path.join(directory, 'restart', 'stripe-emulator.json');
    const emulatorA = await startRunningEmulator({ stateFile });
    held = await emulatorA.stripe.paymentIntents.create(holdParams, { idempotencyKey: HOLD_KEY });
    await emulatorA.control('POST', '/_emulator/clock/advance', { seconds: ADVANCED_SECONDS });
    eventIdsOnA = (await emulatorA.stripe.events.list({ limit: 100 })).data.map((event) => event.id);
    await emulatorA.close();

    emulatorB = await startRunningEmulator({ stateFile });
  });
  afterAll(async () => {
    await emulatorB?.close();
  });

  it('retrieves the PaymentIntent held on the previous emulator, still held', async () => {
    expect(held.status).toBe('requires_capture');
    const retrieved = await emulatorB.stripe.paymentIntents.retrieve(held.id);
    expect(retrieved).toMatchObject({ id: held.id, status: 'requires_capture', amount_capturable: 100 });
  });

  it('replays an idempotency key first used on the previous emulator, creating nothing new', async () => {
    const replayed = await emulatorB.stripe.paymentIntents.create(holdParams, { idempotencyKey: HOLD_KEY });
    expect(replayed.id).toBe(held.id);
    expect(responseHeader(replayed, 'idempotent-replayed')).toBe('true');
    const forBooking = await emulatorB.control('GET', '/_emulator/payment_intents?booking_id=bk-restart');
    expect(forBooking.data).toHaveLength(1);
  });

  it('keeps the clock where the previous emulator had advanced it', async () => {
    const clock = await emulatorB.control('GET', '/_emulator/clock');
    expect(clock.offsetSeconds).toBe(ADVANCED_SECONDS);
  });

  it("lists the previous emulator's events", async () => {
    const events = await emulatorB.stripe.events.list({ limit: 100 });
    expect(eventIdsOnA.length).toBeGreaterThan(0);
    expect(events.data.map((event) => event.id)).toEqual(expect.arrayContaining(eventIdsOnA));
  });

  it('cancels the PaymentIntent held on the previous emulator, and the next start sees it cancelled', async () => {
    const cancelled = await emulatorB.stripe.paymentIntents.cancel(held.id);
    expect(cancelled).toMatchObject({ id: held.id, status: 'canceled' });
    await emulatorB.close();

    const emulatorC = await startRunningEmulator({ stateFile });
    try {
      expect(await emulatorC.stripe.paymentIntents.retrieve(held.id)).toMatchObject({ status: 'canceled' });
      const types = (await emulatorC.stripe.events.list({ limit: 100 })).data.map((event) => event.type);
      expect(types).toContain('payment_intent.canceled');
    } finally {
      await emulatorC.close();
    }
  });
});

describe('webhook deliveries across an emulator restart', () => {
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('delivers after the restart the events whose webhooks had not gone through', async () => {
    const stateFile = path.join(directory, 'webhooks.json');
    receiver.answerWith(() => 503);
    const emulatorA = await startRunningEmulator({
      stateFile,
      webhookUrl: receiver.url,
      webhookRetry: { baseDelayMs: 60_000, maxAttempts: 5 },
    });
    const intent = await emulatorA.stripe.paymentIntents.create(holdParams);
    await waitFor(() => receiver.received.length >= 3, { description: 'first, failing delivery attempts' });
    await emulatorA.close();

    receiver.answerWith(() => 200);
    const emulatorB = await startRunningEmulator({ stateFile, webhookUrl: receiver.url });
    try {
      await waitFor(() => receiver.received.some((delivery) => delivery.answeredStatus === 200), {
        description: 'resumed deliveries',
        timeoutMs: 10_000,
      });
      await emulatorB.emulator.webhooks.whenIdle();
      const delivered = receiver.received
        .filter((delivery) => delivery.answeredStatus === 200)
        .map((delivery) => JSON.parse(delivery.rawBody) as Stripe.Event);
      expect(delivered.map((event) => event.type)).toEqual(
        expect.arrayContaining(['payment_intent.created', 'payment_intent.amount_capturable_updated']),
      );
      expect(delivered.every((event) => (event.data.object as { id?: string }).id !== undefined)).toBe(true);
      const events = await emulatorB.stripe.events.list({ limit: 100 });
      const created = events.data.find((event) => event.type === 'payment_intent.created');
      expect((created?.data.object as Stripe.PaymentIntent).id).toBe(intent.id);
      expect(created?.pending_webhooks).toBe(0);
    } finally {
      await emulatorB.close();
    }
  });
});

describe('state files the emulator cannot use', () => {
  it('refuses a file that is not JSON, naming the file', () => {
    const stateFile = path.join(directory, 'corrupted.json');
    writeFileSync(stateFile, '{"format": "stripe-emulator-state", "version": 1, "customers": [');
    const start = () => createStripeEmulator({ webhookSecret: 'whsec_tests', stateFile });
    expect(start).toThrow(StateFileError);
    expect(start).toThrow(`Stripe emulator state file ${stateFile}: is not valid JSON`);
  });

  it('refuses a file of another format version, naming the file and both versions', () => {
    const stateFile = path.join(directory, 'other-version.json');
    writeFileSync(stateFile, JSON.stringify({ format: 'stripe-emulator-state', version: 2, customers: [] }));
    const start = () => createStripeEmulator({ webhookSecret: 'whsec_tests', stateFile });
    expect(start).toThrow(StateFileError);
    expect(start).toThrow(
      `Stripe emulator state file ${stateFile}: has format version 2 but this emulator reads version 1`,
    );
  });

  it('refuses a JSON file that is not a state file', () => {
    const stateFile = path.join(directory, 'not-state.json');
    writeFileSync(stateFile, '{}');
    expect(() => createStripeEmulator({ webhookSecret: 'whsec_tests', stateFile })).toThrow(
      `Stripe emulator state file ${stateFile}: is not a Stripe emulator state file`,
    );
  });

  it('refuses a file with damaged objects, saying where, and leaves it untouched', () => {
    const stateFile = path.join(directory, 'damaged.json');
    const text = JSON.stringify({ format: 'stripe-emulator-state', version: 1, customers: [{ id: 'not-a-customer' }] });
    writeFileSync(stateFile, text);
    expect(() => createStripeEmulator({ webhookSecret: 'whsec_tests', stateFile })).toThrow(
      /is damaged \(.*customers\.0/,
    );
    expect(readFileSync(stateFile, 'utf8')).toBe(text);
  });
});
