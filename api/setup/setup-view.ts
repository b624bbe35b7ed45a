/** The one place that turns a setup workflow's state, and a saved payment method record, into what the API shows. */
import type { PaymentMethodSetupState, SavedPaymentMethod, SetupStatus } from '../../workflows/setup/contract.js';
import type { SavedPaymentMethodView } from '../saved-payment-methods/schemas.js';
import type { SetupView } from './schemas.js';

/** Setup statuses in which the customer still has something to do before the deadline. */
const AWAITING_CUSTOMER: readonly SetupStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

/** A saved payment method as listed: every field named, so a new column never leaks by accident. */
export function toSavedPaymentMethodView(method: SavedPaymentMethod): SavedPaymentMethodView {
  return {
    paymentMethodId: method.paymentMethodId,
    customerId: method.customerId,
    type: method.type,
    brand: method.brand,
    bankName: method.bankName,
    last4: method.last4,
    expMonth: method.expMonth,
    expYear: method.expYear,
    mandate: method.mandate && { id: method.mandate.id, status: method.mandate.status },
    status: method.status,
    unusableReason: method.unusableReason,
    setupId: method.setupId,
    createdAt: method.createdAt,
  };
}

/** The setup as the API shows it, from the workflow's `setupState` query: no Stripe customer, event ids or internals. */
export function toSetupView(state: PaymentMethodSetupState): SetupView {
  const { microdeposits } = state;
  return {
    setupId: state.setupId,
    workflowId: state.workflowId,
    customerId: state.customerId,
    type: state.type,
    status: state.status,
    setupIntentId: state.setupIntentId,
    paymentMethodId: state.paymentMethodId,
    microdeposits: microdeposits && {
      type: microdeposits.type,
      arrivalDate: microdeposits.arrivalDate,
      hostedVerificationUrl: microdeposits.hostedVerificationUrl,
      attemptsRemaining: microdeposits.attemptsRemaining,
      expiresAt: microdeposits.expiresAt,
    },
    failureCode: state.failureCode,
    actionDeadline: !state.done && AWAITING_CUSTOMER.includes(state.status) ? state.deadline : null,
    reason: state.reason,
    done: state.done,
    savedPaymentMethod: state.saved && toSavedPaymentMethodView(state.saved),
    updatedAt: state.updatedAt,
  };
}
