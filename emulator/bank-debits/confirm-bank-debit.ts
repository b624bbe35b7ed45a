/** Confirmation of a PaymentIntent with a US bank account: mandate, then microdeposits or the debit itself. */
import type { EventOrigin } from '../objects/event.js';
import type { CustomerAcceptance } from '../objects/mandate.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import { StripeApiError } from '../stripe-errors.js';
import { MICRODEPOSIT_ERRORS, bankDebitErrorBody, bankDebitRefusal } from './bank-debit-errors.js';
import { newBankDebitRecord, type BankDebitRecord } from './bank-debit-record.js';
import { mandateForConfirmation, setMandateStatus } from './mandates.js';
import { sendMicrodeposits, verifyWithMicrodepositsAction } from './send-microdeposits.js';
import { bankBehaviourOf, failBankPaymentIntent, startBankDebit } from './start-bank-debit.js';

/** What a confirming request says about the bank debit. */
export interface BankDebitConfirmation {
  /** `mandate_data[customer_acceptance]`, when given. */
  acceptance?: CustomerAcceptance;
  /** `mandate`, an existing mandate to reuse. */
  mandateId?: string;
  /** Base URL of the emulator as the caller reached it, for the hosted verification page. */
  emulatorBaseUrl: string;
}

/** The emulator's record of a PaymentIntent's bank debit, created on first use. */
export function bankDebitRecordOf(runtime: EmulatorRuntime, paymentIntentId: string): BankDebitRecord {
  let record = runtime.store.bankDebits.get(paymentIntentId);
  if (!record) {
    record = newBankDebitRecord(paymentIntentId);
    runtime.store.bankDebits.set(paymentIntentId, record);
  }
  return record;
}

/**
 * Confirms `paymentIntent` with a bank account in place: `processing` when the account is verified
 * (instantly or before), `requires_action` with `verify_with_microdeposits` otherwise; throws
 * Stripe's error for a missing mandate, failed microdeposits, Radar or the volume limit.
 */
export function confirmBankDebit(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  paymentMethod: PaymentMethodRecord,
  request: BankDebitConfirmation,
  origin: EventOrigin,
): void {
  const behaviour = bankBehaviourOf(paymentMethod);
  const verificationMethod = paymentIntent.payment_method_options.us_bank_account?.verification_method ?? 'automatic';
  if (!behaviour.verified && verificationMethod === 'instant') {
    throw new StripeApiError(
      400,
      {
        type: 'invalid_request_error',
        code: 'payment_intent_invalid_parameter',
        message:
          'This PaymentIntent only accepts instantly verified bank accounts (verification_method: instant), but the PaymentMethod was not collected with Financial Connections.',
        param: 'payment_method_options[us_bank_account][verification_method]',
      },
      true,
    );
  }
  const mandate = mandateForConfirmation(
    runtime,
    paymentIntent,
    paymentMethod.object.id,
    request,
    behaviour.verified ? 'active' : 'pending',
  );
  const record = bankDebitRecordOf(runtime, paymentIntent.id);
  record.mandateId = mandate.id;
  paymentIntent.payment_method = paymentMethod.object.id;
  if (behaviour.verified) {
    startBankDebit(runtime, paymentIntent, paymentMethod, record, origin);
    return;
  }
  if (behaviour.microdepositsFail) {
    setMandateStatus(runtime, mandate.id, 'inactive', origin);
    failBankPaymentIntent(runtime, paymentIntent, paymentMethod, MICRODEPOSIT_ERRORS.failed, origin);
    throw bankDebitRefusal(
      400,
      bankDebitErrorBody(MICRODEPOSIT_ERRORS.failed.code, MICRODEPOSIT_ERRORS.failed.message, paymentMethod.object),
      paymentIntent,
    );
  }
  record.microdeposits = sendMicrodeposits(runtime.clock.nowSeconds());
  paymentIntent.status = 'requires_action';
  paymentIntent.last_payment_error = null;
  paymentIntent.next_action = verifyWithMicrodepositsAction(
    record.microdeposits,
    `${request.emulatorBaseUrl}/_emulator/payment_intents/${paymentIntent.id}/verify_microdeposits`,
    runtime.ach.microdepositType,
  );
  runtime.events.record('payment_intent.requires_action', paymentIntent, origin);
}
