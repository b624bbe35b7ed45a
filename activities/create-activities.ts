/**
 * Every side effect of the booking and setup workflows: Stripe calls through the gateway, Postgres
 * records and booking-service notifications. The composition root the worker calls: it merges the
 * activities of each business area, built from the same clients; never reads the env.
 */
import type { ActivityDeps } from './common/activity-deps.js';
import { recordingLearnedStatuses } from './common/learned-payment-intent-statuses.js';
import { recordingCreations } from './common/recorded-creations.js';
import { createNotificationActivities } from './common/notification-activities.js';
import { createPaymentIntentReadActivities } from './common/payment-intent-reads.js';
import { createSavedPaymentMethodActivities } from './common/saved-payment-method-activities.js';
import { createStripeCustomerActivities } from './common/stripe-customer-activities.js';
import { createBankBalanceActivities } from './booking/bank-balance-activities.js';
import { createBankPaymentActivities } from './booking/bank-payment-activities.js';
import { createHoldActivities } from './booking/hold-activities.js';
import { createRefundActivities } from './booking/refund-activities.js';
import { createSetupActivities } from './setup/setup-activities.js';

export type { ActivityDeps, CallbackSettings } from './common/activity-deps.js';
export type { WriteAttempt } from './common/write-attempt.js';
export type { UnusablePaymentMethodInput } from './common/saved-payment-method-activities.js';
export type { CreateHoldInput, ConfirmHoldInput, ReleaseHoldInput } from './booking/hold-activities.js';
export type {
  CreateBankPaymentInput,
  ConfirmBankPaymentInput,
  VerifyMicrodepositsInput,
  MicrodepositCheck,
} from './booking/bank-payment-activities.js';
export type { RefundSnapshot } from './booking/refund-snapshot.js';
export type {
  CreateSetupIntentInput,
  VerifySetupMicrodepositsInput,
  SetupMicrodepositCheck,
} from './setup/setup-activities.js';

/** Builds the activities over their clients. */
export function createActivities(clients: ActivityDeps) {
  // Every PaymentIntent create is recorded, so the relay knows which bookings are creating none.
  const deps = { ...clients, gateway: recordingCreations(clients.db, clients.gateway) };
  return {
    ...createStripeCustomerActivities(deps),
    // What these learn of a PaymentIntent is recorded, so the relay does not signal an event repeating it.
    ...recordingLearnedStatuses(deps.db, {
      ...createPaymentIntentReadActivities(deps),
      ...createHoldActivities(deps),
      ...createBankPaymentActivities(deps),
    }),
    ...createBankBalanceActivities(deps),
    ...createRefundActivities(deps),
    ...createSetupActivities(deps),
    ...createSavedPaymentMethodActivities(deps),
    ...createNotificationActivities(deps),
  };
}

/** The activities as the workflow sees them. */
export type BookingActivities = ReturnType<typeof createActivities>;
