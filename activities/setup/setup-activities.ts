/**
 * The SetupIntent of a payment-method setup: create it, read it, verify its microdeposits, cancel
 * it, and find one whose create answer was lost.
 */
import type { PaymentGateway } from '../../stripe/payment-gateway.js';
import type { VerificationMethod } from '../../workflows/booking/contract.js';
import type { SavedPaymentMethodType } from '../../workflows/setup/contract.js';
import {
  isUnexpectedStateError,
  microdepositErrorOutcome,
  rethrowClassified,
} from '../common/classify-stripe-error.js';
import {
  cancelSetupKey,
  setupIntentKey,
  verifySetupMicrodepositsKey,
  writeAttemptKey,
} from '../common/idempotency-keys.js';
import { firstOf } from '../common/stripe-list.js';
import { classifyWriteError, rethrowWriteError, type WriteAttempt } from '../common/write-attempt.js';
import { toSetupIntentSnapshot, type SetupIntentSnapshot } from './setup-intent-snapshot.js';

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

/** Builds the SetupIntent activities over the payment gateway. */
export function createSetupActivities({ gateway }: { gateway: PaymentGateway }) {
  return {
    /** The SetupIntent of a setup, if Stripe has it. */
    async findSetupIntent(input: { setupId: string; stripeCustomerId: string }): Promise<SetupIntentSnapshot | null> {
      const setupIntent = await firstOf(
        gateway.listSetupIntents({ stripeCustomerId: input.stripeCustomerId }),
        (candidate) => candidate.metadata?.setup_id === input.setupId,
      );
      return setupIntent && toSetupIntentSnapshot(setupIntent);
    },

    /** Creates the SetupIntent of a setup (`usage: off_session`): nothing is saved until the customer confirms it. */
    async createSetupIntent(input: CreateSetupIntentInput): Promise<SetupIntentSnapshot> {
      const setupIntent = await gateway
        .createSetupIntent({
          ...input,
          idempotencyKey: writeAttemptKey(setupIntentKey(input.setupId), input.writeAttempt),
        })
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
    async cancelSetupIntent(
      input: { setupId: string; setupIntentId: string } & WriteAttempt,
    ): Promise<SetupIntentSnapshot> {
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
  };
}
