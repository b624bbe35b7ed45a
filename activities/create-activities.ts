/**
 * Every side effect of the booking workflow: Stripe calls through the gateway, Postgres records
 * and booking-service notifications. Built by a factory from its clients; never reads the env.
 */
import type { Pool } from 'pg';
import type Stripe from 'stripe';
import type { PaymentGateway } from '../stripe/payment-gateway.js';
import type { BookingCustomer, BookingNotification } from '../workflows/contract.js';
import { findStripeCustomerId, recordStripeCustomerId, replaceStripeCustomerId } from '../db/stripe-customers.js';
import {
  markNotificationAttemptFailed,
  markNotificationDelivered,
  recordNotification,
} from '../db/notifications.js';
import { CALLBACK_SIGNATURE_HEADER, signCallback } from '../notifications/callback-signature.js';
import { classifyStripeError, isResourceMissingError, isUnexpectedStateError } from './classify-stripe-error.js';
import { confirmHoldKey, customerKey, holdKey, releaseKey } from './idempotency-keys.js';
import { toPaymentIntentSnapshot, type PaymentIntentSnapshot } from './payment-intent-snapshot.js';

/** Where and how notifications are delivered; no URL means they are recorded only. */
export interface CallbackSettings {
  url?: string;
  signingSecret?: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Clients the activities use. */
export interface ActivityDeps {
  gateway: PaymentGateway;
  db: Pool;
  callback: CallbackSettings;
}

/** Input of createHold. */
export interface CreateHoldInput {
  bookingId: string;
  attempt: number;
  paymentMethod: string;
  stripeCustomerId: string;
}

/** Input of confirmHold. */
export interface ConfirmHoldInput {
  bookingId: string;
  attempt: number;
  paymentIntentId: string;
  paymentMethod: string;
}

/** Input of releaseHold: which PaymentIntent, and Stripe's cancellation reason to record. */
export interface ReleaseHoldInput {
  bookingId: string;
  paymentIntentId: string;
  reason: Stripe.PaymentIntentCancelParams.CancellationReason;
}

/** Builds the activities over their clients. */
export function createActivities(deps: ActivityDeps) {
  const { gateway, db, callback } = deps;

  return {
    /**
     * Finds or creates the Stripe Customer of a booking's customer. A recorded Customer that this
     * Stripe account does not know (deleted, or recorded against another account or emulator) is
     * replaced rather than failing every booking of that customer.
     */
    async ensureStripeCustomer(customer: BookingCustomer): Promise<string> {
      const known = await findStripeCustomerId(db, customer.id);
      if (known) {
        const existing = await gateway.retrieveCustomer(known).catch((error: unknown) => {
          if (isResourceMissingError(error)) return null;
          throw classifyStripeError(error);
        });
        if (existing && !existing.deleted) return known;
      }
      const created = await gateway
        .createCustomer({
          customerId: customer.id,
          email: customer.email,
          name: customer.name,
          idempotencyKey: customerKey(customer.id, known),
        })
        .catch(rethrowClassified);
      if (!known) return recordStripeCustomerId(db, customer.id, created.id);
      await replaceStripeCustomerId(db, customer.id, created.id);
      return created.id;
    },

    /**
     * Creates the hold's PaymentIntent for one attempt, unconfirmed: nothing is held yet, but the
     * workflow learns its id before any money moves, so it can always cancel what it started.
     */
    async createHold(input: CreateHoldInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .createHoldPaymentIntent({ ...input, idempotencyKey: holdKey(input.bookingId, input.attempt) })
        .catch(rethrowClassified);
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Confirms the hold: the issuer authorizes $1 or declines (a failure of type CardDeclined). */
    async confirmHold(input: ConfirmHoldInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .confirmHoldPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          paymentMethod: input.paymentMethod,
          idempotencyKey: confirmHoldKey(input.bookingId, input.attempt),
        })
        .catch(rethrowClassified);
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Reads a PaymentIntent's current state from Stripe. */
    async readPaymentIntent(paymentIntentId: string): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway.retrievePaymentIntent(paymentIntentId).catch(rethrowClassified);
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /**
     * Cancels the hold's PaymentIntent, releasing the authorization. When Stripe says it can no
     * longer be cancelled (already cancelled, expired or captured), returns its actual state.
     */
    async releaseHold(input: ReleaseHoldInput): Promise<PaymentIntentSnapshot> {
      try {
        const paymentIntent = await gateway.cancelPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          reason: input.reason,
          idempotencyKey: releaseKey(input.bookingId, input.paymentIntentId),
        });
        return toPaymentIntentSnapshot(paymentIntent);
      } catch (error) {
        if (!isUnexpectedStateError(error)) throw classifyStripeError(error);
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(rethrowClassified);
        return toPaymentIntentSnapshot(current);
      }
    },

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
        throw new Error(failure);
      }
      await markNotificationDelivered(db, notification.id);
    },
  };
}

/** The activities as the workflow sees them. */
export type BookingActivities = ReturnType<typeof createActivities>;

function rethrowClassified(error: unknown): never {
  throw classifyStripeError(error);
}
