import { describe, expect, it } from 'vitest';
import type { StripeEventEnvelope } from '../../inbox/stripe-event-signal.js';
import {
  isOurs,
  isSubscribedEventType,
  routeStripeEvent,
  type StripeEventRoute,
} from '../../inbox/stripe-event-routing.js';

/** A Stripe event about `object`. */
function event(type: string, object: Record<string, unknown>): StripeEventEnvelope {
  return { id: `evt_${type.replace(/\W/g, '_')}`, type, created: 1_790_000_000, data: { object } };
}

/** A lookup that knows one PaymentIntent's booking, and records what it was asked. */
function lookup(known: Record<string, string> = {}) {
  const asked: string[] = [];
  const find = (paymentIntentId: string) => {
    asked.push(paymentIntentId);
    return Promise.resolve(known[paymentIntentId] ?? null);
  };
  return Object.assign(find, { asked });
}

function inboxRow(route: StripeEventRoute) {
  if (route.kind !== 'inbox') throw new Error(`expected an inbox row, got ${route.kind}`);
  return route.row;
}

describe('which Stripe events are ours, and where they go', () => {
  it('sends a PaymentIntent event to the booking its metadata names, without asking the inbox', async () => {
    const find = lookup();
    const route = await routeStripeEvent(
      event('payment_intent.canceled', {
        id: 'pi_1',
        object: 'payment_intent',
        status: 'canceled',
        metadata: { booking_id: 'bk-1' },
      }),
      find,
    );
    expect(inboxRow(route)).toMatchObject({
      bookingId: 'bk-1',
      paymentIntentId: 'pi_1',
      setupId: null,
      status: 'pending',
    });
    expect(isOurs(route)).toBe(true);
    expect(find.asked).toEqual([]);
  });

  it('ignores a PaymentIntent event without a booking id: it is not ours', async () => {
    const route = await routeStripeEvent(
      event('payment_intent.created', { id: 'pi_other', object: 'payment_intent', metadata: {} }),
      lookup(),
    );
    expect(inboxRow(route)).toMatchObject({ bookingId: null, paymentIntentId: 'pi_other', status: 'ignored' });
    expect(isOurs(route)).toBe(false);
  });

  it('ignores a booking id this service could not have issued', async () => {
    const route = await routeStripeEvent(
      event('payment_intent.created', { id: 'pi_2', object: 'payment_intent', metadata: { booking_id: '../admin' } }),
      lookup(),
    );
    expect(inboxRow(route).status).toBe('ignored');
  });

  it("finds a charge event's booking through its PaymentIntent", async () => {
    const route = await routeStripeEvent(
      event('charge.refund.updated', { id: 're_1', object: 'refund', payment_intent: 'pi_1' }),
      lookup({ pi_1: 'bk-1' }),
    );
    expect(inboxRow(route)).toMatchObject({ bookingId: 'bk-1', paymentIntentId: 'pi_1', status: 'pending' });
  });

  it("records a booking's events that another event carries as handled, saying which, instead of relaying them", async () => {
    const charge = await routeStripeEvent(
      event('charge.succeeded', { id: 'ch_1', object: 'charge', payment_intent: 'pi_1' }),
      lookup({ pi_1: 'bk-1' }),
    );
    expect(inboxRow(charge)).toMatchObject({
      bookingId: 'bk-1',
      paymentIntentId: 'pi_1',
      status: 'handled',
      outcome: 'not relayed: payment_intent.amount_capturable_updated or payment_intent.succeeded carries it',
    });
    expect(isOurs(charge)).toBe(true);
    const created = await routeStripeEvent(
      event('payment_intent.created', {
        id: 'pi_1',
        object: 'payment_intent',
        status: 'requires_payment_method',
        metadata: { booking_id: 'bk-1' },
      }),
      lookup(),
    );
    expect(inboxRow(created)).toMatchObject({ bookingId: 'bk-1', status: 'handled' });
    expect(inboxRow(created).outcome).toMatch(/created this PaymentIntent/);
    // A status change of the PaymentIntent itself, a dispute and a refund landing are relayed.
    for (const [type, object] of [
      [
        'payment_intent.amount_capturable_updated',
        { id: 'pi_1', object: 'payment_intent', metadata: { booking_id: 'bk-1' } },
      ],
      ['charge.dispute.created', { id: 'dp_1', object: 'dispute', payment_intent: 'pi_1' }],
      ['charge.refund.updated', { id: 're_1', object: 'refund', payment_intent: 'pi_1' }],
    ] as const) {
      const route = await routeStripeEvent(event(type, object), lookup({ pi_1: 'bk-1' }));
      expect(inboxRow(route).status, type).toBe('pending');
    }
  });

  it('records a charge whose booking is not known as ignored: it is not relayed, and may not be ours', async () => {
    const route = await routeStripeEvent(
      event('charge.succeeded', { id: 'ch_2', object: 'charge', payment_intent: 'pi_unknown' }),
      lookup(),
    );
    expect(inboxRow(route)).toMatchObject({ bookingId: null, paymentIntentId: 'pi_unknown', status: 'ignored' });
    expect(inboxRow(route).outcome).toMatch(/^not relayed: /);
  });

  it('keeps a charge event that came before any event of its PaymentIntent pending, booking unknown', async () => {
    const route = await routeStripeEvent(
      event('charge.dispute.created', { id: 'dp_1', object: 'dispute', payment_intent: { id: 'pi_early' } }),
      lookup(),
    );
    expect(inboxRow(route)).toMatchObject({ bookingId: null, paymentIntentId: 'pi_early', status: 'pending' });
    expect(isOurs(route)).toBe(true);
  });

  it('sends a SetupIntent event to its payment-method setup', async () => {
    const route = await routeStripeEvent(
      event('setup_intent.succeeded', { id: 'seti_1', object: 'setup_intent', metadata: { setup_id: 'setup-1' } }),
      lookup(),
    );
    expect(inboxRow(route)).toMatchObject({ bookingId: null, setupId: 'setup-1', status: 'pending' });
  });

  it('ignores an event about nothing this service follows', async () => {
    const route = await routeStripeEvent(event('customer.created', { id: 'cus_1', object: 'customer' }), lookup());
    expect(inboxRow(route)).toMatchObject({ bookingId: null, paymentIntentId: null, setupId: null, status: 'ignored' });
    expect(isOurs(route)).toBe(false);
  });

  it('applies mandate.updated to saved payment methods instead of storing it for the relay', async () => {
    const route = await routeStripeEvent(
      event('mandate.updated', { id: 'mandate_1', object: 'mandate', status: 'inactive' }),
      lookup(),
    );
    expect(route).toEqual({
      kind: 'mandate',
      change: { mandateId: 'mandate_1', status: 'inactive', occurredAt: new Date(1_790_000_000 * 1000) },
    });
    expect(isOurs(route)).toBe(true);
  });

  it("stores the event without the intent's client_secret", async () => {
    const received = event('payment_intent.created', {
      id: 'pi_3',
      object: 'payment_intent',
      client_secret: 'pi_3_secret_doNotKeep',
      metadata: { booking_id: 'bk-3' },
    });
    const row = inboxRow(await routeStripeEvent(received, lookup()));
    expect(JSON.stringify(row.payload)).not.toContain('secret');
    expect(received.data.object.client_secret).toBe('pi_3_secret_doNotKeep');
  });

  it('stores a PaymentIntent waiting for 3-D Secure without its next action, whose URLs carry the client secret', async () => {
    // Stripe's challenge URLs name the PaymentIntent's client secret (payment_intent_client_secret=…).
    const challenge =
      'https://hooks.stripe.com/3d_secure_2/hosted?payment_intent=pi_4&payment_intent_client_secret=pi_4_secret_doNotKeep';
    const waiting = (nextAction: Record<string, unknown>) =>
      event('payment_intent.requires_action', {
        id: 'pi_4',
        object: 'payment_intent',
        status: 'requires_action',
        next_action: nextAction,
        metadata: { booking_id: 'bk-4' },
      });

    const redirect = inboxRow(
      await routeStripeEvent(
        waiting({ type: 'redirect_to_url', redirect_to_url: { url: challenge, return_url: 'https://example.com' } }),
        lookup(),
      ),
    );
    const sdk = inboxRow(
      await routeStripeEvent(
        waiting({ type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: challenge } }),
        lookup(),
      ),
    );

    for (const row of [redirect, sdk]) {
      expect(JSON.stringify(row.payload)).not.toContain('secret');
      expect(row).toMatchObject({ bookingId: 'bk-4', paymentIntentId: 'pi_4', status: 'pending' });
    }
  });

  it('knows which event types the webhook endpoint is subscribed to', () => {
    for (const type of [
      'payment_intent.canceled',
      'charge.dispute.created',
      'setup_intent.succeeded',
      'mandate.updated',
    ]) {
      expect(isSubscribedEventType(type), type).toBe(true);
    }
    for (const type of [
      'refund.updated',
      'customer.created',
      'payment_method.attached',
      'mandate.created',
      'charges.x',
    ]) {
      expect(isSubscribedEventType(type), type).toBe(false);
    }
  });
});
