/**
 * What authorizes a bank debit: a saved account's mandate, or the customer's acceptance given for
 * that very account. A mandate authorizes one account, so an acceptance is never used for another.
 * Deterministic: pure functions of the booking's state.
 */
import type { BankPaymentInput, MandateAcceptance, PaymentState } from './contract.js';

/** What a new bank account comes with: a saved account's mandate, or the customer's acceptance for it. */
export interface PaymentMethodAuthority {
  savedMandateId?: string;
  mandate?: MandateAcceptance;
}

/** What authorizes the current attempt's debit: the saved mandate, or the customer's acceptance; null when nothing does. */
export function debitAuthority(
  payment: PaymentState,
  bank: BankPaymentInput,
): MandateAcceptance | { mandateId: string } | null {
  if (payment.savedMandateId) return { mandateId: payment.savedMandateId };
  // Recorded with the account it was given for: never another account's acceptance.
  if (payment.mandateAcceptanceFor !== undefined) {
    return payment.mandateAcceptanceFor === payment.paymentMethod ? (payment.mandateAcceptance ?? null) : null;
  }
  return payment.mandateAcceptance ?? bank.mandate ?? null;
}

/** The acceptance the customer gave for this bank account, if any (with the booking, or with a later attempt). */
export function acceptanceGivenFor(
  payment: PaymentState,
  bank: BankPaymentInput,
  paymentMethod: string,
): MandateAcceptance | null {
  if (payment.mandateAcceptance && (payment.mandateAcceptanceFor ?? payment.paymentMethod) === paymentMethod)
    return payment.mandateAcceptance;
  if (bank.mandate && bank.paymentMethod === paymentMethod) return bank.mandate;
  return null;
}
