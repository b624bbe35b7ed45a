/** Settlement of processing bank debits, the disputes that follow some, and bank refunds reaching the customer. */
import { newObjectId } from '../ids.js';
import { buildDispute, type DisputeObject } from '../objects/dispute.js';
import { AUTOMATIC_ORIGIN, type EventOrigin } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import { bankReference } from '../objects/refund.js';
import { resolvePaymentMethod } from '../payments/resolve-payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import { BANK_DEBIT_FAILURE_MESSAGES } from '../test-bank-accounts.js';
import type { BankDebitRecord } from './bank-debit-record.js';
import { setMandateStatus } from './mandates.js';
import { bankBehaviourOf, failBankPaymentIntent } from './start-bank-debit.js';

/** Returns that end the customer's authorization (the mandate becomes inactive). */
const MANDATE_ENDING_FAILURES = new Set(['account_closed', 'no_account', 'debit_not_authorized']);

/** Raised when a PaymentIntent has no debit that could settle now. */
export class NotSettleableError extends Error {
  constructor(
    readonly paymentIntentId: string,
    reason: string,
  ) {
    super(`PaymentIntent ${paymentIntentId} cannot settle: ${reason}`);
    this.name = 'NotSettleableError';
  }
}

/**
 * Settles a processing debit as its test account says: `succeeded` with a payment reference
 * (and, for the dispute account, a dispute scheduled), or `requires_payment_method` after the
 * bank's return (`charge.failed`, `payment_intent.payment_failed`).
 */
export function settleBankDebit(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  origin: EventOrigin = AUTOMATIC_ORIGIN,
): void {
  const record = runtime.store.bankDebits.get(paymentIntent.id);
  if (paymentIntent.status !== 'processing' || !record || !paymentIntent.payment_method) {
    throw new NotSettleableError(
      paymentIntent.id,
      `its status is ${paymentIntent.status}, not a processing bank debit`,
    );
  }
  const paymentMethod = resolvePaymentMethod(runtime, paymentIntent.payment_method);
  const outcome = bankBehaviourOf(paymentMethod).outcome;
  const charge = paymentIntent.latest_charge ? runtime.store.charges.get(paymentIntent.latest_charge) : undefined;
  const now = runtime.clock.nowSeconds();
  record.settlesAt = null;
  record.cancelableUntil = null;
  if (outcome.kind === 'fail') {
    const message = BANK_DEBIT_FAILURE_MESSAGES[outcome.code];
    if (charge) {
      charge.status = 'failed';
      charge.paid = false;
      charge.failure_code = outcome.code;
      charge.failure_message = message;
      charge.outcome = {
        ...charge.outcome,
        network_status: 'declined_by_network',
        reason: outcome.code,
        type: 'issuer_declined',
        seller_message: message,
      };
      runtime.events.record('charge.failed', charge, origin);
    }
    if (MANDATE_ENDING_FAILURES.has(outcome.code)) setMandateStatus(runtime, record.mandateId, 'inactive', origin);
    failBankPaymentIntent(runtime, paymentIntent, paymentMethod, { code: outcome.code, message }, origin);
    return;
  }
  if (charge) {
    charge.status = 'succeeded';
    charge.paid = true;
    charge.balance_transaction = newObjectId('txn');
    if (charge.payment_method_details.us_bank_account)
      charge.payment_method_details.us_bank_account.payment_reference = bankReference();
    runtime.events.record('charge.succeeded', charge, origin);
  }
  paymentIntent.status = 'succeeded';
  paymentIntent.amount_received = paymentIntent.amount;
  runtime.events.record('payment_intent.succeeded', paymentIntent, origin);
  if (outcome.kind === 'succeed_then_dispute') record.disputeAt = now + runtime.ach.disputeDelaySeconds;
}

/** The customer disputes the settled debit with their bank: `charge.dispute.created`, mandate inactive. */
export function openDispute(runtime: EmulatorRuntime, record: BankDebitRecord): DisputeObject | undefined {
  record.disputeAt = null;
  const paymentIntent = runtime.store.paymentIntents.get(record.paymentIntentId);
  const charge = paymentIntent?.latest_charge ? runtime.store.charges.get(paymentIntent.latest_charge) : undefined;
  if (!paymentIntent || !charge || charge.status !== 'succeeded') return undefined;
  const dispute = buildDispute({
    chargeId: charge.id,
    paymentIntentId: paymentIntent.id,
    amount: charge.amount - charge.amount_refunded,
    currency: charge.currency,
    created: runtime.clock.nowSeconds(),
  });
  runtime.store.disputes.set(dispute.id, dispute);
  charge.disputed = true;
  runtime.events.record('charge.dispute.created', dispute, AUTOMATIC_ORIGIN);
  setMandateStatus(runtime, record.mandateId, 'inactive');
  return dispute;
}

/** A bank refund reaches the customer's bank: `succeeded` with its bank reference, `charge.refund.updated`. */
export function completeBankRefund(
  runtime: EmulatorRuntime,
  record: BankDebitRecord,
  refundId: string,
  origin: EventOrigin = AUTOMATIC_ORIGIN,
): void {
  record.pendingRefunds = record.pendingRefunds.filter((pending) => pending.refundId !== refundId);
  const refund = runtime.store.refunds.get(refundId);
  if (!refund || refund.status !== 'pending' || refund.destination_details.type !== 'us_bank_transfer') return;
  const previous = { status: refund.status, destination_details: structuredClone(refund.destination_details) };
  refund.status = 'succeeded';
  refund.destination_details.us_bank_transfer = { reference: bankReference(), reference_status: 'available' };
  runtime.events.record('charge.refund.updated', refund, origin, previous);
  runtime.events.record('refund.updated', refund, origin, previous);
}

/** Something due on the clock. */
interface DueWork {
  at: number;
  run: () => void;
}

function dueWork(runtime: EmulatorRuntime, now: number): DueWork[] {
  const due: DueWork[] = [];
  for (const record of runtime.store.bankDebits.values()) {
    const paymentIntent = runtime.store.paymentIntents.get(record.paymentIntentId);
    if (!paymentIntent) continue;
    if (record.settlesAt !== null && record.settlesAt <= now && paymentIntent.status === 'processing') {
      due.push({ at: record.settlesAt, run: () => settleBankDebit(runtime, paymentIntent) });
    }
    if (record.disputeAt !== null && record.disputeAt <= now) {
      due.push({ at: record.disputeAt, run: () => void openDispute(runtime, record) });
    }
    for (const pending of record.pendingRefunds) {
      if (pending.settlesAt <= now)
        due.push({ at: pending.settlesAt, run: () => completeBankRefund(runtime, record, pending.refundId) });
    }
  }
  return due.sort((a, b) => a.at - b.at);
}

/**
 * Runs, oldest first, every settlement, dispute and bank refund due by now (one may schedule the
 * next, e.g. a dispute after a settlement); returns how many steps ran.
 */
export function advanceBankDebits(runtime: EmulatorRuntime): number {
  const now = runtime.clock.nowSeconds();
  let steps = 0;
  for (let due = dueWork(runtime, now); due.length > 0; due = dueWork(runtime, now)) {
    due[0].run();
    steps += 1;
  }
  return steps;
}

/** Closes an open dispute as won or lost (`charge.dispute.closed`); false when it was already closed. */
export function closeDispute(runtime: EmulatorRuntime, dispute: DisputeObject, status: 'won' | 'lost'): boolean {
  if (dispute.status !== 'needs_response') return false;
  dispute.status = status;
  runtime.events.record('charge.dispute.closed', dispute, AUTOMATIC_ORIGIN, { status: 'needs_response' });
  return true;
}
