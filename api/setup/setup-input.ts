/** Builds the setup workflow's input from a validated `POST /v1/customers/:customerId/payment-methods` body. */
import { createHash, randomUUID } from 'node:crypto';
import type { ApiConfig } from '../../config/env.js';
import type { PaymentMethodSetupInput, SetupPolicy } from '../../workflows/setup/contract.js';
import { canonicalJson } from '../booking/booking-input.js';
import type { StartSetupBody } from './schemas.js';

/** The setup policy every new setup gets, from the SETUP_* settings. */
export function setupPolicyFromConfig(config: ApiConfig): SetupPolicy {
  return { completionTimeoutSeconds: config.SETUP_COMPLETION_TIMEOUT_SECONDS };
}

/** A setup id for a request that gave none (`setup_` and a UUID, within SETUP_ID_PATTERN). */
export function newSetupId(): string {
  return `setup_${randomUUID()}`;
}

/** Workflow input of a new setup: the customer from the path and the body, the verification defaulted for bank accounts. */
export function toSetupInput(
  customerId: string,
  setupId: string,
  body: StartSetupBody,
  policy: SetupPolicy,
): PaymentMethodSetupInput {
  return {
    setupId,
    customer: { id: customerId, email: body.email, name: body.name },
    type: body.type,
    verification: (body.type === 'us_bank_account' && body.verification) || 'automatic',
    policy,
  };
}

/**
 * sha256 (hex) of what a setup was asked for (customer, type, verification): the same setupId
 * with another request is a conflict. Kept in the workflow's memo.
 */
export function setupFingerprint(input: PaymentMethodSetupInput): string {
  const asked = { customer: input.customer, type: input.type, verification: input.verification };
  return createHash('sha256').update(canonicalJson(asked)).digest('hex');
}
