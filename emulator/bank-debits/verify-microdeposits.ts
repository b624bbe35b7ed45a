/** The customer's answer to the microdeposits: verified, a mismatch with attempts left, or a failure. */
import { AUTOMATIC_ORIGIN, type EventOrigin } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import { resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import { paymentIntentUnexpectedState } from '../stripe-errors.js';
import { amountsScenario, descriptorCodeScenario } from '../test-bank-accounts.js';
import { MICRODEPOSIT_ATTEMPT_LIMITS } from './ach-timings.js';
import { MICRODEPOSIT_ERRORS, bankDebitErrorBody, bankDebitRefusal, microdepositMismatch } from './bank-debit-errors.js';
import type { BankDebitRecord } from './bank-debit-record.js';
import { setMandateStatus } from './mandates.js';
import { bankBehaviourOf, failBankPaymentIntent, startBankDebit } from './start-bank-debit.js';

/** What the customer read from their bank statement. */
export type MicrodepositProof = { kind: 'amounts'; amounts: number[] } | { kind: 'descriptor_code'; descriptorCode: string };

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
function awaitingRecord(runtime: EmulatorRuntime, paymentIntent: PaymentIntentObject): BankDebitRecord & { microdeposits: object } {
  const record = runtime.store.bankDebits.get(paymentIntent.id);
  if (paymentIntent.status !== 'requires_action' || paymentIntent.next_action?.type !== 'verify_with_microdeposits' || !record?.microdeposits) {
    throw paymentIntentUnexpectedState(
      `This PaymentIntent's microdeposits cannot be verified because it has a status of ${paymentIntent.status}. Only a PaymentIntent waiting for microdeposit verification (status requires_action, next_action verify_with_microdeposits) can be verified.`,
      structuredClone(paymentIntent),
    );
  }
  return record as BankDebitRecord & { microdeposits: object };
}

/**
 * Checks `proof` against the seed's test values: verified → the debit starts (`processing`);
 * SM33CC / 10,11 → attempts exceeded; SM44DD / 40,41 → timeout; anything else counts an attempt
 * and answers a mismatch until the limit (3 amounts, 10 descriptor codes), then attempts exceeded.
 */
export function verifyMicrodeposits(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  proof: MicrodepositProof,
  origin: EventOrigin,
): void {
  const record = awaitingRecord(runtime, paymentIntent);
  const microdeposits = record.microdeposits;
  if (!microdeposits) return;
  const failWith = (error: { code: string; message: string }) => {
    failVerification(runtime, paymentIntent, record, error, origin);
    return bankDebitRefusal(400, bankDebitErrorBody(error.code, error.message), paymentIntent);
  };
  if (runtime.clock.nowSeconds() >= microdeposits.expiresAt) throw failWith(MICRODEPOSIT_ERRORS.timeout);
  const scenario = proof.kind === 'amounts' ? amountsScenario(proof.amounts) : descriptorCodeScenario(proof.descriptorCode);
  switch (scenario) {
    case 'verify': {
      const paymentMethod = resolvePaymentMethod(runtime, paymentIntent.payment_method ?? '');
      bankBehaviourOf(paymentMethod).verified = true;
      startBankDebit(runtime, paymentIntent, paymentMethod, record, origin);
      return;
    }
    case 'attempts_exceeded':
      throw failWith(MICRODEPOSIT_ERRORS.attemptsExceeded);
    case 'timeout':
      throw failWith(MICRODEPOSIT_ERRORS.timeout);
    case 'mismatch': {
      const limit = MICRODEPOSIT_ATTEMPT_LIMITS[proof.kind];
      const attempts = proof.kind === 'amounts' ? ++microdeposits.amountAttempts : ++microdeposits.descriptorCodeAttempts;
      if (attempts >= limit) throw failWith(MICRODEPOSIT_ERRORS.attemptsExceeded);
      throw microdepositMismatch(proof.kind, limit - attempts);
    }
  }
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
