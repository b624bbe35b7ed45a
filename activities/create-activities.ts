/**
 * Every side effect of the booking workflow: Stripe calls through the gateway, Postgres records
 * and booking-service notifications. Built by a factory from its clients; never reads the env.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import type Stripe from 'stripe';
import type { PaymentGateway } from '../stripe/payment-gateway.js';
import {
  FailureTypes,
  type BookingCustomer,
  type BookingNotification,
  type MandateAcceptance,
  type VerificationMethod,
} from '../workflows/contract.js';
import {
  findStripeCustomerId,
  recordStripeCustomerId,
  replaceStripeCustomerId,
  withStripeCustomerLock,
} from '../db/stripe-customers.js';
import {
  markNotificationAttemptFailed,
  markNotificationDelivered,
  recordNotification,
} from '../db/notifications.js';
import { CALLBACK_SIGNATURE_HEADER, signCallback } from '../notifications/callback-signature.js';
import {
  classifyStripeError,
  isResourceMissingError,
  isUnexpectedStateError,
  microdepositErrorOutcome,
} from './classify-stripe-error.js';
import {
  markSavedPaymentMethodUnusable,
  recordSavedPaymentMethod,
} from '../db/saved-payment-methods.js';
import type { SavedPaymentMethod, SavedPaymentMethodType } from '../workflows/setup-contract.js';
import { toSetupIntentSnapshot, type SetupIntentSnapshot } from './setup-intent-snapshot.js';
import {
  bankPaymentKey,
  cancelPaymentKey,
  cancelSetupKey,
  setupIntentKey,
  verifySetupMicrodepositsKey,
  confirmBankPaymentKey,
  confirmHoldKey,
  customerKey,
  holdKey,
  refundKey,
  releaseKey,
  verifyMicrodepositsKey,
} from './idempotency-keys.js';
import { toPaymentIntentSnapshot, type PaymentIntentSnapshot } from './payment-intent-snapshot.js';
import { countBusinessOutcome } from './business-metrics.js';

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
  /** True for a saved card used while the customer is away. */
  offSession?: boolean;
}

/** Input of createBankPayment. */
export interface CreateBankPaymentInput {
  bookingId: string;
  attempt: number;
  amount: number;
  stripeCustomerId: string;
  paymentMethod: string;
  verification: VerificationMethod;
  targetDate: string | null;
}

/** Input of confirmBankPayment. */
export interface ConfirmBankPaymentInput {
  bookingId: string;
  attempt: number;
  paymentIntentId: string;
  paymentMethod: string;
  /** The acceptance collected for this payment, or the mandate of a saved bank account. */
  mandate: MandateAcceptance | { mandateId: string };
}

/** Input of verifyMicrodeposits: one attempt, numbered by the workflow. */
export interface VerifyMicrodepositsInput {
  bookingId: string;
  paymentIntentId: string;
  /** The bank account attempt (moves when the customer supplies another account). */
  paymentAttempt: number;
  attemptNumber: number;
  descriptorCode?: string;
  amounts?: [number, number];
}

/** What Stripe said of one microdeposit attempt. */
export interface MicrodepositCheck {
  result: 'verified' | 'mismatch' | 'attempts_exceeded' | 'expired';
  /** The PaymentIntent after the attempt (null after a plain mismatch). */
  snapshot: PaymentIntentSnapshot | null;
}

/** A refund reduced to what the workflow follows. */
export interface RefundSnapshot {
  refundId: string;
  status: string;
  amount: number;
  /** The bank's reference of the refund, once Stripe has it. */
  reference: string | null;
}

/** Input of createSetupIntent. */
export interface CreateSetupIntentInput {
  setupId: string;
  customerId: string;
  stripeCustomerId: string;
  type: SavedPaymentMethodType;
  verification: VerificationMethod;
}

/** Input of verifySetupMicrodeposits: one attempt, numbered by the workflow. */
export interface VerifySetupMicrodepositsInput {
  setupId: string;
  setupIntentId: string;
  attemptNumber: number;
  descriptorCode?: string;
  amounts?: [number, number];
}

/** What Stripe said of one microdeposit attempt on a SetupIntent. */
export interface SetupMicrodepositCheck {
  result: 'verified' | 'mismatch' | 'attempts_exceeded' | 'expired';
  snapshot: SetupIntentSnapshot | null;
}

/** Input of markPaymentMethodUnusable. */
export interface UnusablePaymentMethodInput {
  paymentMethodId: string;
  /** `mandate_inactive` or `card_expired`. */
  reason: string;
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
     * Finds or creates the Stripe Customer of a booking's customer, one customer at a time: two first
     * bookings started at once get the same Stripe Customer. A recorded Customer that this Stripe
     * account does not know (deleted, or recorded against another account or emulator) is replaced
     * rather than failing every booking of that customer.
     */
    async ensureStripeCustomer(customer: BookingCustomer): Promise<string> {
      return withStripeCustomerLock(db, customer.id, async (tx) => {
        const known = await findStripeCustomerId(tx, customer.id);
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
            idempotencyKey: customerKey(customer.id, customer, known),
          })
          .catch(rethrowClassified);
        if (!known) return recordStripeCustomerId(tx, customer.id, created.id);
        await replaceStripeCustomerId(tx, customer.id, created.id);
        return created.id;
      });
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
          offSession: input.offSession,
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

    /** Creates the bank payment's PaymentIntent for one attempt, unconfirmed (nothing is debited yet). */
    async createBankPayment(input: CreateBankPaymentInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .createBankPaymentIntent({ ...input, idempotencyKey: bankPaymentKey(input.bookingId, input.attempt) })
        .catch(rethrowClassified);
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Confirms the bank payment under the customer's mandate: microdeposits, processing or a failure. */
    async confirmBankPayment(input: ConfirmBankPaymentInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .confirmBankPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          paymentMethod: input.paymentMethod,
          mandate: input.mandate,
          idempotencyKey: confirmBankPaymentKey(input.bookingId, input.attempt),
        })
        .catch(rethrowClassified);
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Submits one microdeposit attempt; a mismatch, exhausted attempts or expiry is an answer, not an error. */
    async verifyMicrodeposits(input: VerifyMicrodepositsInput): Promise<MicrodepositCheck> {
      try {
        const paymentIntent = await gateway.verifyMicrodeposits({
          paymentIntentId: input.paymentIntentId,
          amounts: input.amounts,
          descriptorCode: input.descriptorCode,
          idempotencyKey: verifyMicrodepositsKey(input.bookingId, input.paymentIntentId, input.paymentAttempt, input.attemptNumber),
        });
        return { result: 'verified', snapshot: toPaymentIntentSnapshot(paymentIntent) };
      } catch (error) {
        const outcome = microdepositErrorOutcome(error);
        if (!outcome) throw classifyStripeError(error);
        if (outcome === 'mismatch') return { result: outcome, snapshot: null };
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(rethrowClassified);
        return { result: outcome, snapshot: toPaymentIntentSnapshot(current) };
      }
    },

    /**
     * The available balance, in cents, of the bank account behind a payment method, when the
     * customer granted the `balances` permission through Financial Connections; null otherwise.
     */
    async readBankBalance(paymentMethodId: string): Promise<number | null> {
      const paymentMethod = await gateway.retrievePaymentMethod(paymentMethodId).catch(rethrowClassified);
      const accountId = paymentMethod.us_bank_account?.financial_connections_account;
      if (!accountId) return null;
      const account = await gateway.retrieveFinancialConnectionsAccount(accountId).catch(rethrowClassified);
      if (!account.permissions?.includes('balances') || !account.balance) return null;
      return account.balance.cash?.available?.usd ?? account.balance.current.usd ?? null;
    },

    /** Cancels the bank payment's PaymentIntent; when Stripe refuses, returns its actual state. */
    async cancelBankPayment(input: { bookingId: string; paymentIntentId: string }): Promise<PaymentIntentSnapshot> {
      try {
        const paymentIntent = await gateway.cancelPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          reason: 'requested_by_customer',
          idempotencyKey: cancelPaymentKey(input.bookingId, input.paymentIntentId),
        });
        return toPaymentIntentSnapshot(paymentIntent);
      } catch (error) {
        if (!isUnexpectedStateError(error)) throw classifyStripeError(error);
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(rethrowClassified);
        return toPaymentIntentSnapshot(current);
      }
    },

    /** Refunds a paid booking (once per PaymentIntent, whatever the retries). */
    async refundPayment(input: { bookingId: string; paymentIntentId: string; amount: number }): Promise<RefundSnapshot> {
      const refund = await gateway
        .createRefund({
          paymentIntentId: input.paymentIntentId,
          amount: input.amount,
          idempotencyKey: refundKey(input.bookingId, input.paymentIntentId),
        })
        .catch(rethrowClassified);
      return toRefundSnapshot(refund);
    },

    /** Reads a refund's current state. */
    async readRefund(refundId: string): Promise<RefundSnapshot> {
      return toRefundSnapshot(await gateway.retrieveRefund(refundId).catch(rethrowClassified));
    },

    /** Creates the SetupIntent of a setup (`usage: off_session`): nothing is saved until the customer confirms it. */
    async createSetupIntent(input: CreateSetupIntentInput): Promise<SetupIntentSnapshot> {
      const setupIntent = await gateway
        .createSetupIntent({ ...input, idempotencyKey: setupIntentKey(input.setupId) })
        .catch(rethrowClassified);
      return toSetupIntentSnapshot(setupIntent);
    },

    /** Reads a SetupIntent's current state from Stripe. */
    async readSetupIntent(setupIntentId: string): Promise<SetupIntentSnapshot> {
      return toSetupIntentSnapshot(await gateway.retrieveSetupIntent(setupIntentId).catch(rethrowClassified));
    },

    /** Submits one microdeposit attempt for a SetupIntent; a mismatch, exhausted attempts or expiry is an answer. */
    async verifySetupMicrodeposits(input: VerifySetupMicrodepositsInput): Promise<SetupMicrodepositCheck> {
      try {
        const setupIntent = await gateway.verifySetupMicrodeposits({
          setupIntentId: input.setupIntentId,
          amounts: input.amounts,
          descriptorCode: input.descriptorCode,
          idempotencyKey: verifySetupMicrodepositsKey(input.setupId, input.setupIntentId, input.attemptNumber),
        });
        return { result: 'verified', snapshot: toSetupIntentSnapshot(setupIntent) };
      } catch (error) {
        const outcome = microdepositErrorOutcome(error);
        if (!outcome) throw classifyStripeError(error);
        if (outcome === 'mismatch') return { result: outcome, snapshot: null };
        const current = await gateway.retrieveSetupIntent(input.setupIntentId).catch(rethrowClassified);
        return { result: outcome, snapshot: toSetupIntentSnapshot(current) };
      }
    },

    /** Cancels a setup's SetupIntent; when Stripe refuses (already succeeded or cancelled), returns its state. */
    async cancelSetupIntent(input: { setupId: string; setupIntentId: string }): Promise<SetupIntentSnapshot> {
      try {
        const setupIntent = await gateway.cancelSetupIntent({
          setupIntentId: input.setupIntentId,
          idempotencyKey: cancelSetupKey(input.setupId, input.setupIntentId),
        });
        return toSetupIntentSnapshot(setupIntent);
      } catch (error) {
        if (!isUnexpectedStateError(error)) throw classifyStripeError(error);
        return toSetupIntentSnapshot(await gateway.retrieveSetupIntent(input.setupIntentId).catch(rethrowClassified));
      }
    },

    /**
     * Records the payment method a SetupIntent saved, with its mandate, against the customer:
     * brand or bank name, last four digits and expiry read from Stripe, nothing more sensitive.
     */
    async recordSavedPaymentMethod(input: { setupId: string; customerId: string; setupIntentId: string }): Promise<SavedPaymentMethod> {
      const setupIntent = await gateway.retrieveSetupIntent(input.setupIntentId).catch(rethrowClassified);
      const snapshot = toSetupIntentSnapshot(setupIntent);
      if (setupIntent.status !== 'succeeded' || !snapshot.paymentMethodId) {
        throw ApplicationFailure.nonRetryable(
          `SetupIntent ${input.setupIntentId} has not saved a payment method (${setupIntent.status})`,
          FailureTypes.StripeInvalidRequest,
        );
      }
      const paymentMethod = await gateway.retrievePaymentMethod(snapshot.paymentMethodId).catch(rethrowClassified);
      const mandate = snapshot.mandateId ? await gateway.retrieveMandate(snapshot.mandateId).catch(rethrowClassified) : null;
      const stripeCustomerId =
        typeof setupIntent.customer === 'string' ? setupIntent.customer : (setupIntent.customer?.id ?? '');
      return recordSavedPaymentMethod(db, {
        paymentMethodId: paymentMethod.id,
        customerId: input.customerId,
        stripeCustomerId,
        type: paymentMethod.type === 'us_bank_account' ? 'us_bank_account' : 'card',
        brand: paymentMethod.card?.brand ?? null,
        bankName: paymentMethod.us_bank_account?.bank_name ?? null,
        last4: paymentMethod.card?.last4 ?? paymentMethod.us_bank_account?.last4 ?? null,
        expMonth: paymentMethod.card?.exp_month ?? null,
        expYear: paymentMethod.card?.exp_year ?? null,
        mandateId: mandate?.id ?? null,
        mandateStatus: mandate?.status ?? null,
        setupId: input.setupId,
        setupIntentId: input.setupIntentId,
      });
    },

    /** Records that a saved payment method can no longer be used (revoked mandate, expired card). */
    async markPaymentMethodUnusable(input: UnusablePaymentMethodInput): Promise<void> {
      await markSavedPaymentMethodUnusable(db, {
        paymentMethodId: input.paymentMethodId,
        reason: input.reason,
        ...(input.reason === 'mandate_inactive' && { mandateStatus: 'inactive' }),
      });
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
      if (record.newlyRecorded) {
        const { metricMeter, log } = Context.current();
        countBusinessOutcome(metricMeter, notification.type);
        log.info('booking notification recorded', { notificationId: notification.id, notificationType: notification.type });
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

/** The activities as the workflow sees them. */
export type BookingActivities = ReturnType<typeof createActivities>;

function toRefundSnapshot(refund: Stripe.Refund): RefundSnapshot {
  return {
    refundId: refund.id,
    status: refund.status ?? 'pending',
    amount: refund.amount,
    reference: refund.destination_details?.us_bank_transfer?.reference ?? null,
  };
}

function rethrowClassified(error: unknown): never {
  throw classifyStripeError(error);
}
