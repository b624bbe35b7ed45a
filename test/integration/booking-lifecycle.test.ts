/**
 * The whole system on real parts: the Temporal dev server (a child process we can stop), real
 * PostgreSQL, the Stripe emulator delivering signed webhooks over HTTP, the real worker, and the
 * API served over HTTP with its inbox relay (assembled by harness/system-under-test.ts). Only
 * the booking service's callback is a test server.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogFields } from '../../telemetry/logger.js';
import { createBookingApiClient } from '../../client/index.js';
import { historyText } from '../../harness/history-text.js';
import { handleNextAction } from '../../harness/stripe-js-stand-in.js';
import { newBooking, startSystemUnderTest, type SystemUnderTest } from '../../harness/system-under-test.js';
import { waitFor } from '../../harness/wait-for.js';
import { deliverEvent } from '../../inbox/event-delivery.js';
import {
  bookingStateQuery,
  bookingWorkflowId,
  stripeEventSignal,
  type StripeEventSignal,
} from '../../workflows/booking/contract.js';

let system: SystemUnderTest;
/** The API's and relay's log lines, as the code wrote them (before the logger's redaction). */
const apiLogLines: string[] = [];

beforeAll(async () => {
  const record = (message: string, fields?: LogFields) => apiLogLines.push(JSON.stringify({ message, ...fields }));
  system = await startSystemUnderTest({ apiLogger: { info: record, warn: record, error: record } });
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

const api = (method: string, path: string, body?: unknown) => system.api(method, path, body);
const emulatorControl = <T = { data: Array<Record<string, unknown>> }>(method: string, path: string, body?: unknown) =>
  system.emulatorControl<T>(method, path, body);
const inboxRows = (bookingId: string) => system.inboxRows(bookingId);

async function waitForHold(bookingId: string, status: string, timeoutMs = 60_000) {
  return waitFor(
    async () => {
      const { body } = await api('GET', `/v1/bookings/${bookingId}`);
      return body.hold?.status === status ? body : false;
    },
    { timeoutMs, intervalMs: 250, description: `booking ${bookingId} hold ${status}` },
  );
}

/** The fields of an emulator webhook delivery this file reads. */
interface WebhookDeliverySummary {
  eventId: string;
  state: string;
}

describe('booking payments, end to end', () => {
  it('takes a booking from created to held to released, with signed notifications', async () => {
    const booking = newBooking({ endsAt: new Date(Date.now() + 3_000).toISOString() });
    // The booking service's typed client, over HTTP, as it integrates.
    const client = createBookingApiClient({ baseUrl: system.apiUrl, apiToken: system.apiToken });

    const created = await client.POST('/v1/bookings', { body: booking });
    expect(created.response.status).toBe(201);
    expect(created.data?.workflowId).toBe(`booking-${booking.bookingId}`);

    const held = await waitForHold(booking.bookingId, 'held');
    expect(held.hold.paymentIntentId).toMatch(/^pi_/);
    const released = await waitForHold(booking.bookingId, 'released');
    expect(released.hold.releasedAt).not.toBeNull();

    const intents = await emulatorControl('GET', `/_emulator/payment_intents?booking_id=${booking.bookingId}`);
    expect(intents.data).toHaveLength(1);
    expect(intents.data[0].status).toBe('canceled');

    await waitFor(() => system.callbacks.filter((c) => c.bookingId === booking.bookingId).length >= 2, {
      description: 'held and released callbacks',
    });
    const received = system.callbacks.filter((c) => c.bookingId === booking.bookingId);
    expect(received.map((c) => c.type)).toEqual(['hold.held', 'hold.released']);
    expect(received.every((c) => c.signatureValid)).toBe(true);

    const again = await client.POST('/v1/bookings', { body: booking });
    expect(again.response.status).toBe(200);
    expect(again.data?.hold.status).toBe('released');
  });

  it('hands the booking service what Stripe.js needs to finish 3-D Secure, and keeps the client secret nowhere', async () => {
    const booking = newBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    expect((await api('POST', '/v1/bookings', booking)).status).toBe(201);
    const waiting = await waitForHold(booking.bookingId, 'requires_action');

    // The booking service reads the next action and gives it to the customer's browser.
    const nextAction = await system.api<{ paymentIntentId: string; clientSecret: string; type: string }>(
      'GET',
      `/v1/bookings/${booking.bookingId}/hold/next-action`,
    );
    expect(nextAction.status).toBe(200);
    expect(nextAction.body).toMatchObject({ paymentIntentId: waiting.hold.paymentIntentId, type: 'use_stripe_sdk' });
    const { clientSecret } = nextAction.body;
    expect(clientSecret).toMatch(/^pi_\w+_secret_\w+$/);

    // Stripe.js there finishes the challenge with the client secret and a publishable key only.
    expect((await handleNextAction(system.emulatorUrl, clientSecret, 'complete')).status).toBe('requires_capture');
    const held = await waitForHold(booking.bookingId, 'held');
    expect(held.hold.paymentIntentId).toBe(waiting.hold.paymentIntentId);
    const after = await api('GET', `/v1/bookings/${booking.bookingId}/hold/next-action`);
    expect(after.status).toBe(409);
    expect(after.body.error?.code).toBe('not_awaiting_action');

    // Nowhere kept: not in the workflow's history (payloads decrypted), the inbox, or a log line.
    const history = historyText(await system.decodedHistory(bookingWorkflowId(booking.bookingId)));
    expect(history).toContain(waiting.hold.paymentIntentId);
    expect(history.includes(clientSecret), 'client secret in the workflow history').toBe(false);
    const inbox = await system.db.query<{ type: string; payload: string }>(
      'SELECT type, payload::text AS payload FROM stripe_events WHERE payment_intent_id = $1',
      [waiting.hold.paymentIntentId],
    );
    expect(inbox.rows.map((row) => row.type)).toContain('payment_intent.amount_capturable_updated');
    expect(inbox.rows.filter((row) => row.payload.includes(clientSecret))).toEqual([]);
    const everywhere = await system.db.query('SELECT id FROM stripe_events WHERE payload::text LIKE $1', [
      `%${clientSecret}%`,
    ]);
    expect(everywhere.rowCount).toBe(0);
    expect(
      apiLogLines.some((line) => line.includes(booking.bookingId)),
      'the API logged the booking',
    ).toBe(true);
    expect(apiLogLines.filter((line) => line.includes(clientSecret))).toEqual([]);

    expect((await api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {})).status).toBe(200);
  });

  it('turns a storm of duplicated webhooks into one transition', async () => {
    await emulatorControl('POST', '/_emulator/faults', { webhooks: { duplicates: 10 } });
    try {
      const booking = newBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
      expect((await api('POST', '/v1/bookings', booking)).status).toBe(201);
      const waiting = await waitForHold(booking.bookingId, 'requires_action');

      await emulatorControl('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
        outcome: 'succeed',
      });
      await waitForHold(booking.bookingId, 'held');

      // Let every copy of every event reach the API before counting.
      const deliveries = await waitFor(
        async () => {
          const { data } = await emulatorControl<{ data: WebhookDeliverySummary[] }>(
            'GET',
            '/_emulator/webhooks/deliveries',
          );
          return data.every((delivery) => delivery.state !== 'pending' && delivery.state !== 'held') ? data : false;
        },
        { description: 'every webhook copy delivered' },
      );
      // Each event is settled: relayed, or handled when it tells the workflow nothing new.
      const stored = await waitFor(
        async () => {
          const rows = await inboxRows(booking.bookingId);
          return rows.every((row) => row.status === 'relayed' || row.status === 'handled') ? rows : false;
        },
        { description: 'every stored event settled' },
      );
      const storedIds = stored.map((row) => row.id);
      const relayedIds = stored.filter((row) => row.status === 'relayed').map((row) => row.id);

      // (a) The emulator delivered each event of this booking several times.
      const copiesByEvent = new Map<string, number>();
      for (const delivery of deliveries.filter((d) => storedIds.includes(d.eventId))) {
        copiesByEvent.set(delivery.eventId, (copiesByEvent.get(delivery.eventId) ?? 0) + 1);
      }
      const capturable = stored.filter((row) => row.type === 'payment_intent.amount_capturable_updated');
      expect(capturable).toHaveLength(1);
      expect(capturable[0].status).toBe('relayed');
      expect(copiesByEvent.get(capturable[0].id)).toBeGreaterThan(1);
      for (const id of storedIds) expect(copiesByEvent.get(id)).toBeGreaterThan(1);

      // (b) The inbox stored each event once.
      expect(new Set(storedIds).size).toBe(storedIds.length);
      expect([...copiesByEvent.keys()].sort()).toEqual([...storedIds].sort());

      // (c) The workflow was signalled once per distinct relayed event.
      const handle = system.client.workflow.getHandle(bookingWorkflowId(booking.bookingId));
      const history = await system.decodedHistory(handle.workflowId);
      const signalledIds = (history.events ?? [])
        .map((event) => event.workflowExecutionSignaledEventAttributes)
        .filter((signalled) => signalled?.signalName === stripeEventSignal.name)
        .map((signalled) => {
          const data = signalled?.input?.payloads?.[0]?.data;
          return (JSON.parse(Buffer.from(data as Uint8Array).toString('utf8')) as StripeEventSignal).eventId;
        });
      expect(signalledIds).toHaveLength(relayedIds.length);
      expect([...signalledIds].sort()).toEqual([...relayedIds].sort());

      // (d) The booking processed each distinct relayed event once.
      await waitFor(async () => (await handle.query(bookingStateQuery)).processedEventCount === relayedIds.length, {
        description: `processedEventCount ${relayedIds.length}`,
      });
      expect(system.callbacks.filter((c) => c.bookingId === booking.bookingId && c.type === 'hold.held')).toHaveLength(
        1,
      );

      const cancelled = await api('POST', `/v1/bookings/${booking.bookingId}/cancel`, { reason: 'storm test done' });
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.hold.status).toBe('released');
    } finally {
      await emulatorControl('DELETE', '/_emulator/faults');
    }
  });

  it('signals an event once when a second relay delivers it again after the first died before marking it relayed', async () => {
    // Held after 3-D Secure: the authorization's webhook is the one the relay signals.
    const booking = newBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    expect((await api('POST', '/v1/bookings', booking)).status).toBe(201);
    const waiting = await waitForHold(booking.bookingId, 'requires_action');
    await emulatorControl('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
      outcome: 'succeed',
    });
    await waitForHold(booking.bookingId, 'held');
    const workflowId = bookingWorkflowId(booking.bookingId);
    const signalledIds = async () =>
      ((await system.decodedHistory(workflowId)).events ?? [])
        .map((event) => event.workflowExecutionSignaledEventAttributes)
        .filter((signalled) => signalled?.signalName === stripeEventSignal.name)
        .map(
          (signalled) =>
            (
              JSON.parse(
                Buffer.from(signalled?.input?.payloads?.[0]?.data as Uint8Array).toString('utf8'),
              ) as StripeEventSignal
            ).eventId,
        );
    // An event the relay signalled; had the relay died before its UPDATE, the row would still be
    // pending and the other API's relay would claim it and deliver it again, as here.
    const { rows } = await system.db.query<{
      id: string;
      type: string;
      booking_id: string;
      payment_intent_id: string | null;
      payload: unknown;
    }>(
      `SELECT id, type, booking_id, payment_intent_id, payload FROM stripe_events
        WHERE booking_id = $1 AND status = 'relayed' ORDER BY received_at LIMIT 1`,
      [booking.bookingId],
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    await waitFor(async () => (await signalledIds()).includes(row.id), { description: `${row.id} signalled` });

    const again = await deliverEvent(
      { temporal: system.client, config: { TEMPORAL_RPC_TIMEOUT_MS: 10_000 } },
      {
        id: row.id,
        type: row.type,
        bookingId: row.booking_id,
        paymentIntentId: row.payment_intent_id,
        setupId: null,
        payload: row.payload,
        attempts: 1,
        receivedAt: new Date(),
      },
    );
    expect(again).toEqual({ outcome: 'relayed' });
    // Cancelled and finished, the workflow's history holds every signal it was sent.
    await api('POST', `/v1/bookings/${booking.bookingId}/cancel`, { reason: 'redelivery test done' });
    await waitFor(
      async () => (await system.client.workflow.getHandle(workflowId).describe()).status.name === 'COMPLETED',
      { timeoutMs: 60_000, intervalMs: 250, description: 'the booking workflow completed' },
    );
    expect((await signalledIds()).filter((id) => id === row.id)).toHaveLength(1);
  });

  it('rejects a webhook with a forged signature and stores nothing', async () => {
    const eventId = `evt_forged_${randomUUID().replace(/-/g, '')}`;
    const body = JSON.stringify({
      id: eventId,
      object: 'event',
      type: 'payment_intent.canceled',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'pi_forged', object: 'payment_intent', metadata: { booking_id: 'victim' } } },
    });
    const response = await fetch(`${system.apiUrl}/v1/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
      },
      body,
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe('invalid_signature');
    const rows = await system.db.query('SELECT 1 FROM stripe_events WHERE id = $1', [eventId]);
    expect(rows.rowCount).toBe(0);
  });

  it('keeps a webhook that arrives while Temporal is down and relays it once Temporal is back', async () => {
    const booking = newBooking({ holdPaymentMethod: 'pm_card_authenticationRequired' });
    expect((await api('POST', '/v1/bookings', booking)).status).toBe(201);
    const waiting = await waitForHold(booking.bookingId, 'requires_action');
    const relayedBefore = (await inboxRows(booking.bookingId)).length;

    await system.temporal.stop();
    try {
      await emulatorControl('POST', `/_emulator/payment_intents/${waiting.hold.paymentIntentId}/authenticate`, {
        outcome: 'succeed',
      });
      const pending = await waitFor(
        async () => {
          const rows = await inboxRows(booking.bookingId);
          const waitingRows = rows.filter((row) => row.status === 'pending' && row.attempts > 0);
          return rows.length > relayedBefore && waitingRows.length > 0 ? waitingRows : false;
        },
        { description: 'the new webhook stored and waiting for Temporal' },
      );
      expect(pending.length).toBeGreaterThan(0);
    } finally {
      await system.temporal.restart();
    }

    const held = await waitForHold(booking.bookingId, 'held', 90_000);
    expect(held.hold.paymentIntentId).toBe(waiting.hold.paymentIntentId);
    await waitFor(async () => (await inboxRows(booking.bookingId)).every((row) => row.status !== 'pending'), {
      description: 'every stored event settled after the outage',
      timeoutMs: 30_000,
    });
    const authorized = (await inboxRows(booking.bookingId)).filter(
      (row) => row.type === 'payment_intent.amount_capturable_updated',
    );
    expect(authorized.map((row) => row.status)).toEqual(['relayed']);
    expect((await api('POST', `/v1/bookings/${booking.bookingId}/cancel`, {})).status).toBe(200);
  });
});
