/** The customer's answer to the microdeposits sent to save a bank account, and their 10-day expiry. */
import { judgeMicrodepositProof, type MicrodepositProof } from '../bank-debits/verify-microdeposits.js';
import { bankBehaviourOf } from '../bank-debits/start-bank-debit.js';
import type { MicrodepositRecord } from '../bank-debits/bank-debit-record.js';
import { MICRODEPOSIT_ERRORS } from '../bank-debits/bank-debit-errors.js';
import { AUTOMATIC_ORIGIN, type EventOrigin } from '../objects/event.js';
import type { SetupIntentObject } from '../objects/setup-intent.js';
import { resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import { setupIntentUnexpectedState } from '../stripe-errors.js';
import type { BankSetupRecord } from './bank-setup-record.js';
import { failSetup, setupErrorBody, succeedSetup } from './setup-outcomes.js';

type AwaitingRecord = BankSetupRecord & { microdeposits: MicrodepositRecord };

function awaitingRecord(runtime: EmulatorRuntime, setupIntent: SetupIntentObject): AwaitingRecord {
  const record = runtime.store.bankSetups.get(setupIntent.id);
  if (
    setupIntent.status !== 'requires_action' ||
    setupIntent.next_action?.type !== 'verify_with_microdeposits' ||
    !record?.microdeposits
  ) {
    throw setupIntentUnexpectedState(
      `This SetupIntent's microdeposits cannot be verified because it has a status of ${setupIntent.status}. Only a SetupIntent waiting for microdeposit verification (status requires_action, next_action verify_with_microdeposits) can be verified.`,
      structuredClone(setupIntent),
    );
  }
  return record as AwaitingRecord;
}

/** Ends the verification with `error`: mandate inactive, SetupIntent back to `requires_payment_method`. */
function failVerification(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  record: BankSetupRecord,
  error: { code: string; message: string },
  origin: EventOrigin,
) {
  record.microdeposits = null;
  const paymentMethod = resolvePaymentMethod(runtime, setupIntent.payment_method ?? '');
  return failSetup(runtime, setupIntent, setupErrorBody(error, paymentMethod), origin);
}

/**
 * Checks `proof` with the same values, attempt limits and 10-day expiry as for PaymentIntents:
 * verified → the bank account is saved (`succeeded`, mandate active); a mismatch counts an
 * attempt; attempts exceeded or timeout → `setup_intent.setup_failed`.
 */
export function verifySetupMicrodeposits(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  proof: MicrodepositProof,
  origin: EventOrigin,
): void {
  const record = awaitingRecord(runtime, setupIntent);
  const verdict = judgeMicrodepositProof(record.microdeposits, proof, runtime.clock.nowSeconds());
  if (verdict.kind === 'failed') throw failVerification(runtime, setupIntent, record, verdict.error, origin);
  runtime.store.bankSetups.delete(setupIntent.id);
  const paymentMethod = resolvePaymentMethod(runtime, setupIntent.payment_method ?? '');
  bankBehaviourOf(paymentMethod).verified = true;
  succeedSetup(runtime, setupIntent, paymentMethod, origin);
}

/** Times out every bank setup whose 10 days have passed; returns the SetupIntent ids. */
export function expireSetupMicrodeposits(runtime: EmulatorRuntime): string[] {
  const now = runtime.clock.nowSeconds();
  const expired: string[] = [];
  for (const record of runtime.store.bankSetups.values()) {
    if (!record.microdeposits || record.microdeposits.expiresAt > now) continue;
    const setupIntent = runtime.store.setupIntents.get(record.setupIntentId);
    if (setupIntent?.status !== 'requires_action') {
      record.microdeposits = null;
      continue;
    }
    failVerification(runtime, setupIntent, record, MICRODEPOSIT_ERRORS.timeout, AUTOMATIC_ORIGIN);
    expired.push(setupIntent.id);
  }
  return expired;
}
