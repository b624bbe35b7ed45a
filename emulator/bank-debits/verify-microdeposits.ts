/** The customer's answer to the microdeposits: verified, a mismatch with attempts left, or a failure. */
import { AUTOMATIC_ORIGIN, type EventOrigin } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import { resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import { paymentIntentUnexpectedState } from '../stripe-errors.js';
import { amountsScenario, descriptorCodeScenario } from '../test-bank-accounts.js';
import { MICRODEPOSIT_ATTEMPT_LIMITS } from './ach-timings.js';
import {
  MICRODEPOSIT_ERRORS,
  bankDebitErrorBody,
  bankDebitRefusal,
  microdepositMismatch,
} from './bank-debit-errors.js';
import type { BankDebitRecord, MicrodepositRecord } from './bank-debit-record.js';
import { setMandateStatus } from './mandates.js';
import { bankBehaviourOf, failBankPaymentIntent, startBankDebit } from './start-bank-debit.js';

/** What the customer read from their bank statement. */
export type MicrodepositProof =
  { kind: 'amounts'; amounts: number[] } | { kind: 'descriptor_code'; descriptorCode: string };

/** Ends the verification with `error`: mandate inactive, PaymentIntent back to `requires_payment_method`. */
function failVerification(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  record: BankDebitRecord,
  error: { code: string; message: string },
  origin: EventOrigin,
): void {
  const paymentMethod = resolvePaymentMethod(runtime, paymentIntent.payment_method ?? '');
  record.microdeposits = null;
  setMandateStatus(runtime, record.mandateId, 'inactive', origin);
  failBankPaymentIntent(runtime, paymentIntent, paymentMethod, error, origin);
}

/** The record of a PaymentIntent waiting for microdeposits, or Stripe's unexpected-state error. */
function awaitingRecord(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
): BankDebitRecord & { microdeposits: MicrodepositRecord } {
  const record = runtime.store.bankDebits.get(paymentIntent.id);
  if (
    paymentIntent.status !== 'requires_action' ||
    paymentIntent.next_action?.type !== 'verify_with_microdeposits' ||
    !record?.microdeposits
  ) {
    throw paymentIntentUnexpectedState(
      `This PaymentIntent's microdeposits cannot be verified because it has a status of ${paymentIntent.status}. Only a PaymentIntent waiting for microdeposit verification (status requires_action, next_action verify_with_microdeposits) can be verified.`,
      structuredClone(paymentIntent),
    );
  }
  return record as BankDebitRecord & { microdeposits: MicrodepositRecord };
}

/** What a proof of the microdeposits decides: verified, or the verification ends with Stripe's error. */
export type MicrodepositVerdict = { kind: 'verified' } | { kind: 'failed'; error: { code: string; message: string } };

/**
 * Judges `proof` against sent `microdeposits` with Stripe's test values, for PaymentIntents and
 * SetupIntents alike: SM11AA / 32,45 verify; SM33CC / 10,11 → attempts exceeded; SM44DD / 40,41
 * or a proof after the 10 days → timeout; anything else counts an attempt and throws a mismatch
 * until the limit (3 amounts, 10 descriptor codes), then attempts exceeded.
 */
export function judgeMicrodepositProof(
  microdeposits: MicrodepositRecord,
  proof: MicrodepositProof,
  now: number,
): MicrodepositVerdict {
  if (now >= microdeposits.expiresAt) return { kind: 'failed', error: MICRODEPOSIT_ERRORS.timeout };
  const scenario =
    proof.kind === 'amounts' ? amountsScenario(proof.amounts) : descriptorCodeScenario(proof.descriptorCode);
  switch (scenario) {
    case 'verify':
      return { kind: 'verified' };
    case 'attempts_exceeded':
      return { kind: 'failed', error: MICRODEPOSIT_ERRORS.attemptsExceeded };
    case 'timeout':
      return { kind: 'failed', error: MICRODEPOSIT_ERRORS.timeout };
    case 'mismatch': {
      const limit = MICRODEPOSIT_ATTEMPT_LIMITS[proof.kind];
      const attempts =
        proof.kind === 'amounts' ? ++microdeposits.amountAttempts : ++microdeposits.descriptorCodeAttempts;
      if (attempts >= limit) return { kind: 'failed', error: MICRODEPOSIT_ERRORS.attemptsExceeded };
      throw microdepositMismatch(proof.kind, limit - attempts);
    }
  }
}

/** Checks `proof` for a PaymentIntent waiting for microdeposits: verified → the debit starts (`processing`). */
export function verifyMicrodeposits(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  proof: MicrodepositProof,
  origin: EventOrigin,
): void {
  const record = awaitingRecord(runtime, paymentIntent);
  const verdict = judgeMicrodepositProof(record.microdeposits, proof, runtime.clock.nowSeconds());
  if (verdict.kind === 'failed') {
    failVerification(runtime, paymentIntent, record, verdict.error, origin);
    throw bankDebitRefusal(400, bankDebitErrorBody(verdict.error.code, verdict.error.message), paymentIntent);
  }
  const paymentMethod = resolvePaymentMethod(runtime, paymentIntent.payment_method ?? '');
  bankBehaviourOf(paymentMethod).verified = true;
  startBankDebit(runtime, paymentIntent, paymentMethod, record, origin);
}

/** Times out every verification whose 10 days have passed; returns the PaymentIntent ids. */
export function expireMicrodeposits(runtime: EmulatorRuntime): string[] {
  const now = runtime.clock.nowSeconds();
  const expired: string[] = [];
  for (const record of runtime.store.bankDebits.values()) {
    if (!record.microdeposits || record.microdeposits.expiresAt > now) continue;
    const paymentIntent = runtime.store.paymentIntents.get(record.paymentIntentId);
    if (paymentIntent?.status !== 'requires_action') {
      record.microdeposits = null;
      continue;
    }
    failVerification(runtime, paymentIntent, record, MICRODEPOSIT_ERRORS.timeout, AUTOMATIC_ORIGIN);
    expired.push(paymentIntent.id);
  }
  return expired;
}
