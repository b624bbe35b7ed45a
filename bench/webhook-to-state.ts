/**
 * Webhook received → workflow state changed: bookings on a 3-D Secure card wait in
 * `requires_action`; the customer authenticates (the emulator's control route), Stripe's
 * `payment_intent.amount_capturable_updated` reaches the inbox, and the relayed signal moves the
 * hold to `held`. Timed from the inbox's received_at to the workflow's own updatedAt.
 */
import { waitFor } from '../harness/wait-for.js';
import { bookingStateQuery, bookingWorkflowId } from '../workflows/booking/contract.js';
import type { BenchTarget } from './bench-target.js';
import { benchBookingBody, postBooking } from './booking-traffic.js';
import { summarizeLatencies, type LatencySummary } from './percentiles.js';

/** Runs `bookings` 3-D Secure bookings, `concurrency` at a time, and times webhook to state change. */
export async function measureWebhookToState(
  target: BenchTarget,
  options: { bookings: number; concurrency: number },
): Promise<LatencySummary> {
  const samples: number[] = [];
  let next = 0;
  const one = async () => {
    while (next < options.bookings) {
      next += 1;
      const body = {
        ...benchBookingBody('bench-3ds', target.releaseGraceSeconds),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      };
      body.holdPaymentMethod = 'pm_card_authenticationRequired';
      await postBooking(target.apiUrl, target.apiToken, body);
      const handle = target.client.workflow.getHandle(bookingWorkflowId(body.bookingId));
      const waiting = await waitFor(
        async () => {
          const state = await handle.query(bookingStateQuery);
          return state.hold.status === 'requires_action' && state.hold.paymentIntentId
            ? state.hold.paymentIntentId
            : false;
        },
        { timeoutMs: 180_000, intervalMs: 100, description: '3-D Secure booking waiting for the customer' },
      );
      await target.emulatorControl('POST', `/_emulator/payment_intents/${waiting}/authenticate`, {
        outcome: 'succeed',
      });
      const heldAt = await waitFor(
        async () => {
          const state = await handle.query(bookingStateQuery);
          return state.hold.status === 'held' ? Date.parse(state.updatedAt) : false;
        },
        { timeoutMs: 180_000, intervalMs: 50, description: `3-D Secure booking ${body.bookingId} held` },
      ).catch(async (error: unknown) => {
        // Say where it stopped: the hold's state and what the inbox holds for the booking.
        const state = await handle.query(bookingStateQuery).catch(() => null);
        const { rows } = await target.db.query<{ type: string; status: string }>(
          'SELECT type, status FROM stripe_events WHERE booking_id = $1 ORDER BY received_at',
          [body.bookingId],
        );
        throw new Error(`${String(error)}; hold ${state?.hold.status ?? 'unreadable'}; inbox ${JSON.stringify(rows)}`);
      });
      const { rows } = await target.db.query<{ received_ms: number }>(
        `SELECT extract(epoch FROM received_at) * 1000 AS received_ms FROM stripe_events
         WHERE booking_id = $1 AND type = 'payment_intent.amount_capturable_updated' ORDER BY received_at LIMIT 1`,
        [body.bookingId],
      );
      if (rows.length) samples.push(heldAt - Number(rows[0].received_ms));
      // Released at once so the next figures do not carry it.
      await target.api('POST', `/v1/bookings/${body.bookingId}/cancel`, { reason: 'bench' });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, one));
  return summarizeLatencies(samples);
}
