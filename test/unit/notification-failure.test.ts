import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/create-activities.js';
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import { FailureTypes, type BookingNotification } from '../../workflows/booking/contract.js';

const notification: BookingNotification = {
  id: 'b-1:0001:hold.held',
  bookingId: 'b-1',
  type: 'hold.held',
  occurredAt: '2026-11-01T10:00:00.000Z',
  data: { paymentIntentId: 'pi_1', attempt: 1 },
};

/** The notifications table of one notification not yet delivered; records the failures written to it. */
function notificationsTable() {
  const failures: string[] = [];
  const db = {
    query: (sql: string, params: unknown[]) => {
      if (sql.startsWith('UPDATE') && sql.includes('last_error = $2')) failures.push(String(params[1]));
      const row = {
        id: notification.id,
        booking_id: notification.bookingId,
        type: notification.type,
        payload: notification,
        delivered_at: null,
        attempts: 0,
      };
      return Promise.resolve({ rows: sql.startsWith('SELECT') ? [row] : [] });
    },
  } as unknown as pg.Pool;
  return { db, failures };
}

describe('a notification the booking service did not take', () => {
  it('fails with a typed, retryable failure naming the notification and the answer, recorded on its row', async () => {
    const { db, failures } = notificationsTable();
    const activities = createActivities({
      gateway: {} as PaymentGateway,
      db,
      callback: {
        url: 'http://booking-service.test/notifications',
        signingSecret: 'secret',
        fetch: () => Promise.resolve(new Response(null, { status: 503 })),
      },
    });

    const failure = await activities.notifyBookingService(notification).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: FailureTypes.NotificationUndelivered,
      nonRetryable: false,
      message: 'hold.held not delivered (b-1:0001:hold.held): callback answered HTTP 503',
    });
    expect(failures).toEqual(['callback answered HTTP 503']);
  });
});
