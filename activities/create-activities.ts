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
} from '../workflows/booking/contract.js';
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
} from './common/classify-stripe-error.js';
import {
  markSavedPaymentMethodUnusable,
  recordSavedPaymentMethod,
} from '../db/saved-payment-methods.js';
import type { SavedPaymentMethod, SavedPaymentMethodType } from '../workflows/setup/contract.js';
import { recordBalanceRefreshRequest } from '../db/balance-refresh-requests.js';
import { toBankBalanceSnapshot, type BankBalanceSnapshot } from './booking/bank-balance-snapshot.js';
import { toSetupIntentSnapshot, type SetupIntentSnapshot } from './setup/setup-intent-snapshot.js';
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
  microdepositSubmissionKey,
  verifyMicrodepositsKey,
  writeAttemptKey,
  balanceRefreshKey,
} from './common/idempotency-keys.js';
import { toPaymentIntentSnapshot, type PaymentIntentSnapshot } from './common/payment-intent-snapshot.js';
import { countBusinessOutcome } from './common/business-metrics.js';

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

/**
 * Which write attempt of its operation a Stripe write is (set by workflows that resolve unknown
 * outcomes by reading Stripe): picks the idempotency key, and makes a 5xx a StripeOutcomeUnknown
 * failure instead of a retry under the same key. Absent for workflows that predate it.
 */
export interface WriteAttempt {
  writeAttempt?: number;
}

/** Input of createHold. */
export interface CreateHoldInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  paymentMethod: string;
  stripeCustomerId: string;
}

/** Input of confirmHold. */
export interface ConfirmHoldInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  paymentIntentId: string;
  paymentMethod: string;
  /** True for a saved card used while the customer is away. */
  offSession?: boolean;
}

/** Input of createBankPayment. */
export interface CreateBankPaymentInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  amount: number;
  stripeCustomerId: string;
  paymentMethod: string;
  verification: VerificationMethod;
  targetDate: string | null;
}

/** Input of confirmBankPayment. */
export interface ConfirmBankPaymentInput extends WriteAttempt {
  bookingId: string;
  attempt: number;
  paymentIntentId: string;
  paymentMethod: string;
  /** The acceptance collected for this payment, or the mandate of a saved bank account. */
  mandate: MandateAcceptance | { mandateId: string };
}

/** Input of verifyMicrodeposits: one attempt, numbered by the workflow. */
export interface VerifyMicrodepositsInput extends WriteAttempt {
  bookingId: string;
  paymentIntentId: string;
  /** The bank account attempt (moves when the customer supplies another account). */
  paymentAttempt: number;
  attemptNumber: number;
  /** The booking's count of microdeposit submissions, never reset: keys the request when given. */
  submission?: number;
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
export interface CreateSetupIntentInput extends WriteAttempt {
  setupId: string;
  customerId: string;
  stripeCustomerId: string;
  type: SavedPaymentMethodType;
  verification: VerificationMethod;
}

/** Input of verifySetupMicrodeposits: one attempt, numbered by the workflow. */
export interface VerifySetupMicrodepositsInput extends WriteAttempt {
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
export interface ReleaseHoldInput extends WriteAttempt {
  bookingId: string;
  paymentIntentId: string;
  reason: Stripe.PaymentIntentCancelParams.CancellationReason;
}

/** Builds the activities over their clients. */
export function createActivities(deps: ActivityDeps) {
  const { gateway, db, callback } = deps;

  /** The Financial Connections account behind a payment method; null for an account typed in by hand. */
  const linkedAccountOf = async (paymentMethodId: string): Promise<Stripe.FinancialConnections.Account | null> => {
    const paymentMethod = await gateway.retrievePaymentMethod(paymentMethodId).catch(rethrowClassified);
    const accountId = paymentMethod.us_bank_account?.financial_connections_account;
    return accountId ? gateway.retrieveFinancialConnectionsAccount(accountId).catch(rethrowClassified) : null;
  };

  /** A customer's PaymentIntent whose metadata has every entry of `metadata`, newest first; null if none. */
  const findPaymentIntent = async (stripeCustomerId: string, metadata: Record<string, string>): Promise<PaymentIntentSnapshot | null> => {
    const found = await firstOf(gateway.listPaymentIntents({ stripeCustomerId }), (paymentIntent) =>
      Object.entries(metadata).every(([key, value]) => paymentIntent.metadata?.[key] === value),
    );
    if (!found) return null;
    // Read again: the list does not expand the charge the snapshot reads deadlines from.
    return toPaymentIntentSnapshot(await gateway.retrievePaymentIntent(found.id).catch(rethrowClassified));
  };

  return {
    /**
     * Finds or creates the Stripe Customer of a booking's customer, one customer at a time: two first
     * bookings started at once get the same Stripe Customer. A recorded Customer that this Stripe
     * account does not know (deleted, or recorded against another account or emulator) is replaced
     * rather than failing every booking of that customer.
     */
    async ensureStripeCustomer(customer: BookingCustomer, write: WriteAttempt = {}): Promise<string> {
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
            idempotencyKey: writeAttemptKey(customerKey(customer.id, customer, known), write.writeAttempt),
          })
          .catch(rethrowWriteError(write));
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
        .createHoldPaymentIntent({ ...input, idempotencyKey: writeAttemptKey(holdKey(input.bookingId, input.attempt), input.writeAttempt) })
        .catch(rethrowWriteError(input));
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Confirms the hold: the issuer authorizes $1 or declines (a failure of type CardDeclined). */
    async confirmHold(input: ConfirmHoldInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .confirmHoldPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          paymentMethod: input.paymentMethod,
          offSession: input.offSession,
          idempotencyKey: writeAttemptKey(confirmHoldKey(input.bookingId, input.attempt), input.writeAttempt),
        })
        .catch(rethrowWriteError(input));
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
          idempotencyKey: writeAttemptKey(releaseKey(input.bookingId, input.paymentIntentId), input.writeAttempt),
        });
        return toPaymentIntentSnapshot(paymentIntent);
      } catch (error) {
        if (!isUnexpectedStateError(error)) throw classifyWriteError(error, input);
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(rethrowClassified);
        return toPaymentIntentSnapshot(current);
      }
    },

    /** Creates the bank payment's PaymentIntent for one attempt, unconfirmed (nothing is debited yet). */
    async createBankPayment(input: CreateBankPaymentInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .createBankPaymentIntent({
          ...input,
          idempotencyKey: writeAttemptKey(bankPaymentKey(input.bookingId, input.attempt), input.writeAttempt),
        })
        .catch(rethrowWriteError(input));
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Confirms the bank payment under the customer's mandate: microdeposits, processing or a failure. */
    async confirmBankPayment(input: ConfirmBankPaymentInput): Promise<PaymentIntentSnapshot> {
      const paymentIntent = await gateway
        .confirmBankPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          paymentMethod: input.paymentMethod,
          mandate: input.mandate,
          idempotencyKey: writeAttemptKey(confirmBankPaymentKey(input.bookingId, input.attempt), input.writeAttempt),
        })
        .catch(rethrowWriteError(input));
      return toPaymentIntentSnapshot(paymentIntent);
    },

    /** Submits one microdeposit attempt; a mismatch, exhausted attempts or expiry is an answer, not an error. */
    async verifyMicrodeposits(input: VerifyMicrodepositsInput): Promise<MicrodepositCheck> {
      try {
        const paymentIntent = await gateway.verifyMicrodeposits({
          paymentIntentId: input.paymentIntentId,
          amounts: input.amounts,
          descriptorCode: input.descriptorCode,
          idempotencyKey: writeAttemptKey(
            input.submission !== undefined
              ? microdepositSubmissionKey(input.bookingId, input.paymentIntentId, input.submission)
              : verifyMicrodepositsKey(input.bookingId, input.paymentIntentId, input.paymentAttempt, input.attemptNumber),
            input.writeAttempt,
          ),
        });
        return { result: 'verified', snapshot: toPaymentIntentSnapshot(paymentIntent) };
      } catch (error) {
        const outcome = microdepositErrorOutcome(error);
        if (!outcome) throw classifyWriteError(error, input);
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
      const account = await linkedAccountOf(paymentMethodId);
      if (!account?.permissions?.includes('balances') || !account.balance) return null;
      return account.balance.cash?.available?.usd ?? account.balance.current.usd ?? null;
    },

    /**
     * Asks Stripe to refresh the balance of the account behind a payment method (with the customer's
     * `balances` permission), recording which booking asked so the inbox can route the
     * `financial_connections.account.refreshed_balance` event to it. Stripe answers `pending`.
     */
    async requestBalanceRefresh(input: { bookingId: string; paymentMethodId: string; attempt: number } & WriteAttempt): Promise<BankBalanceSnapshot> {
      const account = await linkedAccountOf(input.paymentMethodId);
      if (!account || !account.permissions?.includes('balances')) return toBankBalanceSnapshot(account);
      await recordBalanceRefreshRequest(db, account.id, input.bookingId);
      const refreshed = await gateway
        .refreshFinancialConnectionsBalance({
          accountId: account.id,
          idempotencyKey: writeAttemptKey(balanceRefreshKey(input.bookingId, input.attempt), input.writeAttempt),
        })
        .catch((error: unknown) => {
          throw classifyWriteError(error, input);
        });
      return toBankBalanceSnapshot(refreshed);
    },

    /** Where the balance of the account behind a payment method stands: its last refresh and what it reported. */
    async readBalanceRefresh(paymentMethodId: string): Promise<BankBalanceSnapshot> {
      return toBankBalanceSnapshot(await linkedAccountOf(paymentMethodId));
    },

    /** Cancels the bank payment's PaymentIntent; when Stripe refuses, returns its actual state. */
    async cancelBankPayment(input: { bookingId: string; paymentIntentId: string } & WriteAttempt): Promise<PaymentIntentSnapshot> {
      try {
        const paymentIntent = await gateway.cancelPaymentIntent({
          paymentIntentId: input.paymentIntentId,
          reason: 'requested_by_customer',
          idempotencyKey: writeAttemptKey(cancelPaymentKey(input.bookingId, input.paymentIntentId), input.writeAttempt),
        });
        return toPaymentIntentSnapshot(paymentIntent);
      } catch (error) {
        if (!isUnexpectedStateError(error)) throw classifyWriteError(error, input);
        const current = await gateway.retrievePaymentIntent(input.paymentIntentId).catch(rethrowClassified);
        return toPaymentIntentSnapshot(current);
      }
    },

    /** Refunds a paid booking (once per PaymentIntent, whatever the retries). */
    async refundPayment(input: { bookingId: string; paymentIntentId: string; amount: number } & WriteAttempt): Promise<RefundSnapshot> {
      const refund = await gateway
        .createRefund({
          paymentIntentId: input.paymentIntentId,
          amount: input.amount,
          idempotencyKey: writeAttemptKey(refundKey(input.bookingId, input.paymentIntentId), input.writeAttempt),
        })
        .catch(rethrowWriteError(input));
      return toRefundSnapshot(refund);
    },

    /** Reads a refund's current state. */
    async readRefund(refundId: string): Promise<RefundSnapshot> {
      return toRefundSnapshot(await gateway.retrieveRefund(refundId).catch(rethrowClassified));
    },

    /**
     * The hold's PaymentIntent of one attempt, if Stripe has it (found by the metadata it was
     * created with): how a workflow learns whether a create whose answer it lost happened.
     */
    async findHold(input: { bookingId: string; attempt: number; stripeCustomerId: string }): Promise<PaymentIntentSnapshot | null> {
      return findPaymentIntent(input.stripeCustomerId, { booking_id: input.bookingId, hold_attempt: String(input.attempt) });
    },

    /** The bank payment's PaymentIntent of one attempt, if Stripe has it. */
    async findBankPayment(input: { bookingId: string; attempt: number; stripeCustomerId: string }): Promise<PaymentIntentSnapshot | null> {
      return findPaymentIntent(input.stripeCustomerId, { booking_id: input.bookingId, payment_attempt: String(input.attempt) });
    },

    /** The refund of a PaymentIntent (a booking refunds a PaymentIntent once), newest first; null if none. */
    async findRefund(paymentIntentId: string): Promise<RefundSnapshot | null> {
      const refund = await firstOf(gateway.listRefunds({ paymentIntentId }), () => true);
      return refund && toRefundSnapshot(refund);
    },

    /** The SetupIntent of a setup, if Stripe has it. */
    async findSetupIntent(input: { setupId: string; stripeCustomerId: string }): Promise<SetupIntentSnapshot | null> {
      const setupIntent = await firstOf(
        gateway.listSetupIntents({ stripeCustomerId: input.stripeCustomerId }),
        (candidate) => candidate.metadata?.setup_id === input.setupId,
      );
      return setupIntent && toSetupIntentSnapshot(setupIntent);
    },

    /**
     * The Stripe Customer created for a booking service's customer (by email, then the metadata it
     * was created with), recorded as theirs when found; null when Stripe has none.
     */
    async findStripeCustomer(customer: BookingCustomer): Promise<string | null> {
      const candidate = await firstOf(gateway.listCustomers({ email: customer.email }), (listed) => listed.metadata?.customer_id === customer.id);
      if (!candidate) return null;
      const found = candidate.id;
      const known = await findStripeCustomerId(db, customer.id);
      if (!known) return recordStripeCustomerId(db, customer.id, found);
      if (known !== found) await replaceStripeCustomerId(db, customer.id, found);
      return found;
    },

    /** Creates the SetupIntent of a setup (`usage: off_session`): nothing is saved until the customer confirms it. */
    async createSetupIntent(input: CreateSetupIntentInput): Promise<SetupIntentSnapshot> {
      const setupIntent = await gateway
        .createSetupIntent({ ...input, idempotencyKey: writeAttemptKey(setupIntentKey(input.setupId), input.writeAttempt) })
        .catch(rethrowWriteError(input));
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
          idempotencyKey: writeAttemptKey(
            verifySetupMicrodepositsKey(input.setupId, input.setupIntentId, input.attemptNumber),
            input.writeAttempt,
          ),
        });
        return { result: 'verified', snapshot: toSetupIntentSnapshot(setupIntent) };
      } catch (error) {
        const outcome = microdepositErrorOutcome(error);
        if (!outcome) throw classifyWriteError(error, input);
        if (outcome === 'mismatch') return { result: outcome, snapshot: null };
        const current = await gateway.retrieveSetupIntent(input.setupIntentId).catch(rethrowClassified);
        return { result: outcome, snapshot: toSetupIntentSnapshot(current) };
      }
    },

    /** Cancels a setup's SetupIntent; when Stripe refuses (already succeeded or cancelled), returns its state. */
    async cancelSetupIntent(input: { setupId: string; setupIntentId: string } & WriteAttempt): Promise<SetupIntentSnapshot> {
      try {
        const setupIntent = await gateway.cancelSetupIntent({
          setupIntentId: input.setupIntentId,
          idempotencyKey: writeAttemptKey(cancelSetupKey(input.setupId, input.setupIntentId), input.writeAttempt),
        });
        return toSetupIntentSnapshot(setupIntent);
      } catch (error) {
        if (!isUnexpectedStateError(error)) throw classifyWriteError(error, input);
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

/** The first of a Stripe list (every page as needed) that `matches`, or null; Stripe errors classified. */
async function firstOf<T>(items: AsyncIterable<T>, matches: (item: T) => boolean): Promise<T | null> {
  try {
    for await (const item of items) if (matches(item)) return item;
  } catch (error) {
    rethrowClassified(error);
  }
  return null;
}

function rethrowClassified(error: unknown): never {
  throw classifyStripeError(error);
}

/** Classifies the error of a Stripe write: a 5xx is an unknown outcome when the workflow numbers its write attempts. */
function classifyWriteError(error: unknown, write: WriteAttempt): unknown {
  return classifyStripeError(error, { outcomeUnknown: write.writeAttempt !== undefined });
}

function rethrowWriteError(write: WriteAttempt): (error: unknown) => never {
  return (error) => {
    throw classifyWriteError(error, write);
  };
}
