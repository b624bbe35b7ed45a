/** Sending a verified bank debit to the ACH network: `processing`, or refused by Radar or the volume limit. */
import { buildBankDebitCharge, chargeSubjectOf } from '../objects/charge.js';
import type { EventOrigin } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import type { BankAccountBehaviour } from '../test-bank-accounts.js';
import { RADAR_BLOCK, WEEKLY_LIMIT, bankDebitErrorBody, bankDebitRefusal } from './bank-debit-errors.js';
import type { BankDebitRecord } from './bank-debit-record.js';
import {
  TARGET_DATE_CANCEL_BUSINESS_DAYS,
  onBusinessDay,
  parseIsoDate,
  settlementTime,
  subtractBusinessDays,
} from './ach-timings.js';
import { setMandateStatus } from './mandates.js';

/** The bank behaviour of a PaymentMethod record (a TypeError for cards: callers check the type first). */
export function bankBehaviourOf(paymentMethod: PaymentMethodRecord): BankAccountBehaviour {
  if (paymentMethod.behaviour.kind !== 'bank_account')
    throw new TypeError(`${paymentMethod.object.id} is not a bank account`);
  return paymentMethod.behaviour;
}

/** Returns the PaymentIntent to `requires_payment_method` with `last_payment_error`, emitting `payment_intent.payment_failed`. */
export function failBankPaymentIntent(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  paymentMethod: PaymentMethodRecord,
  error: { code: string; message: string },
  origin: EventOrigin,
): void {
  paymentIntent.status = 'requires_payment_method';
  paymentIntent.payment_method = null;
  paymentIntent.next_action = null;
  paymentIntent.last_payment_error = bankDebitErrorBody(error.code, error.message, paymentMethod.object);
  runtime.events.record('payment_intent.payment_failed', paymentIntent, origin);
}

/** When a processing debit settles and until when it can be canceled, from the target date if any. */
function timetable(runtime: EmulatorRuntime, paymentIntent: PaymentIntentObject, neverSettles: boolean, now: number) {
  if (neverSettles) return { settlesAt: null, cancelableUntil: null };
  const targetDate = paymentIntent.payment_method_options.us_bank_account?.target_date;
  const target = targetDate ? parseIsoDate(targetDate) : undefined;
  if (target !== undefined) {
    const debitDay = onBusinessDay(Math.max(target, now));
    return { settlesAt: debitDay, cancelableUntil: subtractBusinessDays(debitDay, TARGET_DATE_CANCEL_BUSINESS_DAYS) };
  }
  const settlesAt = settlementTime(runtime.ach, now);
  return { settlesAt, cancelableUntil: Math.min(settlesAt, now + runtime.ach.cancelWindowSeconds) };
}

/**
 * Sends the debit: a `pending` charge and a `processing` PaymentIntent with its settlement time, or
 * Stripe's refusal (Radar, weekly volume limit) after returning the PaymentIntent to `requires_payment_method`.
 */
export function startBankDebit(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  paymentMethod: PaymentMethodRecord,
  record: BankDebitRecord,
  origin: EventOrigin,
): void {
  const behaviour = bankBehaviourOf(paymentMethod);
  const now = runtime.clock.nowSeconds();
  if (behaviour.outcome.kind === 'radar_block') {
    const charge = buildBankDebitCharge(
      chargeSubjectOf(paymentIntent),
      paymentMethod.object,
      record.mandateId,
      now,
      RADAR_BLOCK,
    );
    runtime.store.charges.set(charge.id, charge);
    paymentIntent.latest_charge = charge.id;
    runtime.events.record('charge.failed', charge, origin);
    failBankPaymentIntent(runtime, paymentIntent, paymentMethod, RADAR_BLOCK, origin);
    throw bankDebitRefusal(
      402,
      { ...bankDebitErrorBody(RADAR_BLOCK.code, RADAR_BLOCK.message, paymentMethod.object), charge: charge.id },
      paymentIntent,
    );
  }
  if (behaviour.outcome.kind === 'weekly_limit') {
    failBankPaymentIntent(runtime, paymentIntent, paymentMethod, WEEKLY_LIMIT, origin);
    throw bankDebitRefusal(
      400,
      bankDebitErrorBody(WEEKLY_LIMIT.code, WEEKLY_LIMIT.message, paymentMethod.object),
      paymentIntent,
    );
  }
  const charge = buildBankDebitCharge(chargeSubjectOf(paymentIntent), paymentMethod.object, record.mandateId, now);
  runtime.store.charges.set(charge.id, charge);
  setMandateStatus(runtime, record.mandateId, 'active', origin);
  if (paymentIntent.setup_future_usage && paymentIntent.customer && !paymentMethod.object.customer) {
    paymentMethod.object.customer = paymentIntent.customer;
    runtime.events.record('payment_method.attached', paymentMethod.object, origin);
  }
  paymentIntent.status = 'processing';
  paymentIntent.payment_method = paymentMethod.object.id;
  paymentIntent.latest_charge = charge.id;
  paymentIntent.last_payment_error = null;
  paymentIntent.next_action = null;
  record.processingSince = now;
  Object.assign(record, timetable(runtime, paymentIntent, behaviour.outcome.kind === 'never_settle', now));
  runtime.events.record('charge.pending', charge, origin);
  runtime.events.record('payment_intent.processing', paymentIntent, origin);
}
