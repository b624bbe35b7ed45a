/**
 * `financial_connections.account.refreshed_balance` carries the account and nothing naming a
 * booking (docs.stripe.com/api/events/types#event_types-financial_connections.account.refreshed_balance):
 * the inbox routes it to the booking that asked for the refresh.
 */
import { describe, expect, it } from 'vitest';
import type { StripeEventEnvelope } from '../../inbox/stripe-event-signal.js';
import { isOurs, isSubscribedEventType, routeStripeEvent } from '../../inbox/stripe-event-routing.js';

const refreshed = (accountId: string): StripeEventEnvelope => ({
  id: 'evt_refreshed_balance',
  type: 'financial_connections.account.refreshed_balance',
  created: 1_790_000_000,
  data: {
    object: { id: accountId, object: 'financial_connections.account', balance_refresh: { status: 'succeeded' } },
  },
});

const noPaymentIntent = () => Promise.reject(new Error('an account event names no PaymentIntent'));

describe('routing a balance refresh event', () => {
  it('is subscribed to, and goes to the booking that asked for the refresh of that account', async () => {
    expect(isSubscribedEventType('financial_connections.account.refreshed_balance')).toBe(true);
    const asked: string[] = [];
    const route = await routeStripeEvent(refreshed('fca_1'), noPaymentIntent, (accountId) => {
      asked.push(accountId);
      return Promise.resolve(accountId === 'fca_1' ? 'bk-balance' : null);
    });
    expect(route).toMatchObject({
      kind: 'inbox',
      row: { bookingId: 'bk-balance', paymentIntentId: null, status: 'pending' },
    });
    expect(asked).toEqual(['fca_1']);
  });

  it('ignores a refresh no booking asked for', async () => {
    const route = await routeStripeEvent(refreshed('fca_other'), noPaymentIntent, () => Promise.resolve(null));
    expect(route).toMatchObject({ kind: 'inbox', row: { bookingId: null, status: 'ignored' } });
    expect(isOurs(route)).toBe(false);
  });
});
