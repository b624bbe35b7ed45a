/**
 * The customer's saved payment methods: recorded when a setup saves one, marked unusable when a
 * booking finds its mandate revoked or its card expired.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureTypes } from '../../workflows/booking/contract.js';
import type { SavedPaymentMethod } from '../../workflows/setup/contract.js';
import { markSavedPaymentMethodUnusable, recordSavedPaymentMethod } from '../../db/saved-payment-methods.js';
import { toSetupIntentSnapshot } from '../setup/setup-intent-snapshot.js';
import type { ActivityDeps } from './activity-deps.js';
import { rethrowClassified } from './classify-stripe-error.js';

/** Input of markPaymentMethodUnusable. */
export interface UnusablePaymentMethodInput {
  paymentMethodId: string;
  /** `mandate_inactive` or `card_expired`. */
  reason: string;
}

/** Builds the saved payment method activities, shared by setups and bookings. */
export function createSavedPaymentMethodActivities({ gateway, db }: Pick<ActivityDeps, 'gateway' | 'db'>) {
  return {
    /**
     * Records the payment method a SetupIntent saved, with its mandate, against the customer:
     * brand or bank name, last four digits and expiry read from Stripe, nothing more sensitive.
     */
    async recordSavedPaymentMethod(input: {
      setupId: string;
      customerId: string;
      setupIntentId: string;
    }): Promise<SavedPaymentMethod> {
      const setupIntent = await gateway.retrieveSetupIntent(input.setupIntentId).catch(rethrowClassified);
      const snapshot = toSetupIntentSnapshot(setupIntent);
      if (setupIntent.status !== 'succeeded' || !snapshot.paymentMethodId) {
        throw ApplicationFailure.nonRetryable(
          `SetupIntent ${input.setupIntentId} has not saved a payment method (${setupIntent.status})`,
          FailureTypes.StripeInvalidRequest,
        );
      }
      const paymentMethod = await gateway.retrievePaymentMethod(snapshot.paymentMethodId).catch(rethrowClassified);
      const mandate = snapshot.mandateId
        ? await gateway.retrieveMandate(snapshot.mandateId).catch(rethrowClassified)
        : null;
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
  };
}
