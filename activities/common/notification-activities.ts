/** Notifications to the booking service: recorded durably, counted once, delivered signed. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes, type BookingNotification } from '../../workflows/booking/contract.js';
import {
  markNotificationAttemptFailed,
  markNotificationDelivered,
  recordNotification,
} from '../../db/notifications.js';
import { CALLBACK_SIGNATURE_HEADER, signCallback } from '../../notifications/callback-signature.js';
import type { ActivityDeps } from './activity-deps.js';
import { countBusinessOutcome } from './business-metrics.js';

/** Builds the notification activity over the notifications table and the callback settings. */
export function createNotificationActivities({ db, callback }: Pick<ActivityDeps, 'db' | 'callback'>) {
  return {
    /**
     * Records a notification durably, then delivers it to the booking service's callback with an
     * HMAC signature. A failed delivery throws so the retry policy tries again; a delivered one is
     * never sent twice.
     */
    async notifyBookingService(notification: BookingNotification): Promise<void> {
      const record = await recordNotification(db, {
        id: notification.id,
        bookingId: notification.bookingId,
        type: notification.type,
        payload: notification,
      });
      if (record.newlyRecorded) {
        const { metricMeter, log } = Context.current();
        countBusinessOutcome(metricMeter, notification.type);
        log.info('booking notification recorded', {
          notificationId: notification.id,
          notificationType: notification.type,
        });
      }
      if (!callback.url || record.deliveredAt) return;
      if (!callback.signingSecret) throw new Error('notification callback configured without a signing secret');

      const body = JSON.stringify(notification);
      const signature = signCallback(body, callback.signingSecret, Math.floor(Date.now() / 1000));
      const send = callback.fetch ?? fetch;
      let failure: string | null = null;
      try {
        const response = await send(callback.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [CALLBACK_SIGNATURE_HEADER]: signature,
            'Bookings-Notification-Id': notification.id,
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        if (!response.ok) failure = `callback answered HTTP ${response.status}`;
      } catch (error) {
        failure = `callback unreachable: ${(error as Error).message}`;
      }
      if (failure) {
        await markNotificationAttemptFailed(db, notification.id, failure);
        // Typed and retryable: the history says which notification is waiting for the booking service.
        throw ApplicationFailure.retryable(
          `${notification.type} not delivered (${notification.id}): ${failure}`,
          FailureTypes.NotificationUndelivered,
        );
      }
      await markNotificationDelivered(db, notification.id);
    },
  };
}
