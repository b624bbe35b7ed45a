/**
 * A payment-method setup told in sentences for the Temporal Web UI and CLI: its start summary and
 * its current details. Pure functions of the input and state, shared by the workflow and the API.
 */
import { readableTime } from '../booking/booking-story.js';
import type { PaymentMethodSetupInput, PaymentMethodSetupState } from './contract.js';

const KIND = { card: 'card', us_bank_account: 'US bank account' } as const;

/** The workflow's fixed one-line summary and markdown details, set by the API at start. */
export function setupStartMetadata(input: PaymentMethodSetupInput): { staticSummary: string; staticDetails: string } {
  const verification = input.type === 'us_bank_account' ? ` (verification ${input.verification})` : '';
  return {
    staticSummary: `Save a ${KIND[input.type]} for customer ${input.customer.id}`,
    staticDetails: `**Setup** ${input.setupId}\n\n**Customer** ${input.customer.id}\n\n**Saves** a ${KIND[input.type]}${verification}`,
  };
}

/** The setup's current details, e.g. "**Setup** of a card: waiting for the customer's 3-D Secure until …". */
export function describeSetup(state: PaymentMethodSetupState): string {
  const what = `**Setup** of a ${KIND[state.type]}${state.setupIntentId ? ` (${state.setupIntentId})` : ''}`;
  const until = state.deadline ? ` until ${readableTime(state.deadline)}` : '';
  const failed = state.failureCode ? ` (last attempt: ${state.failureCode})` : '';
  const micro = state.microdeposits;
  switch (state.status) {
    case 'creating':
      return `${what}: creating the SetupIntent`;
    case 'requires_payment_method':
      return `${what}: waiting for the customer to enter the payment method${failed}${until}`;
    case 'requires_confirmation':
      return `${what}: waiting for the customer to confirm${until}`;
    case 'requires_action':
      return micro
        ? `${what}: awaiting microdeposits (${micro.attemptsRemaining} attempt${micro.attemptsRemaining === 1 ? '' : 's'} left, ` +
            `expire ${readableTime(micro.expiresAt)})`
        : `${what}: waiting for the customer's 3-D Secure${until}`;
    case 'processing':
      return `${what}: Stripe is processing it${state.deadline ? `; asked again at ${readableTime(state.deadline)}` : ''}`;
    case 'succeeded':
      return state.done
        ? `${what}: saved ${state.saved?.paymentMethodId ?? state.paymentMethodId ?? ''}`.trimEnd()
        : `${what}: succeeded; recording ${state.paymentMethodId ?? 'the payment method'}`;
    case 'canceled':
      return `${what}: canceled${state.reason ? `: ${state.reason}` : ''}${failed}`;
  }
}
