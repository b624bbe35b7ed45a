/** Mandates of bank debits: created at confirmation, reused when saved, made inactive by disputes and returns. */
import { AUTOMATIC_ORIGIN, type EventOrigin } from '../objects/event.js';
import { buildMandate, type CustomerAcceptance, type MandateObject } from '../objects/mandate.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { resourceMissing } from '../stripe-errors.js';
import {
  MANDATE_INVALID,
  MANDATE_REQUIRED_MESSAGE,
  bankDebitErrorBody,
  bankDebitRefusal,
} from './bank-debit-errors.js';

/**
 * The mandate a confirmation uses: new from `acceptance`, the one named, or the payment method's
 * active multi-use one. A named or saved mandate that is no longer active answers Stripe's
 * `payment_intent_mandate_invalid`; a payment method without any mandate, the mandate-required error.
 */
export function mandateForConfirmation(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  paymentMethodId: string,
  request: { acceptance?: CustomerAcceptance; mandateId?: string },
  status: MandateObject['status'],
): MandateObject {
  if (request.acceptance) {
    const mandate = buildMandate({
      paymentMethodId,
      acceptance: request.acceptance,
      reusable: paymentIntent.setup_future_usage !== null,
      amount: paymentIntent.amount,
      currency: paymentIntent.currency,
      status,
    });
    runtime.store.mandates.set(mandate.id, mandate);
    return mandate;
  }
  if (request.mandateId) {
    const named = runtime.store.mandates.get(request.mandateId);
    if (!named) throw resourceMissing('mandate', request.mandateId, 'mandate');
    if (named.payment_method !== paymentMethodId) {
      throw bankDebitRefusal(
        400,
        { ...mandateInvalidBody(`${named.id} belongs to another payment method.`), param: 'mandate' },
        paymentIntent,
      );
    }
    if (named.status === 'active') return named;
    throw bankDebitRefusal(
      400,
      { ...mandateInvalidBody(`${named.id} is ${named.status}.`), param: 'mandate' },
      paymentIntent,
    );
  }
  const reusable = [...runtime.store.mandates.values()].filter(
    (mandate) => mandate.payment_method === paymentMethodId && mandate.type === 'multi_use',
  );
  const active = reusable.find((mandate) => mandate.status === 'active');
  if (active) return active;
  // The saved payment method had a mandate, but it was revoked (a dispute, a return) or never activated.
  if (reusable.length > 0) {
    throw bankDebitRefusal(
      400,
      mandateInvalidBody(`The mandate of ${paymentMethodId} is ${reusable[0].status}.`),
      paymentIntent,
    );
  }
  throw bankDebitRefusal(400, { type: 'invalid_request_error', message: MANDATE_REQUIRED_MESSAGE }, paymentIntent);
}

function mandateInvalidBody(detail: string) {
  return bankDebitErrorBody(
    MANDATE_INVALID.code,
    `${MANDATE_INVALID.message} ${detail} Collect a new mandate from the customer.`,
  );
}

/** Changes a mandate's status, emitting `mandate.updated` when it changes. */
export function setMandateStatus(
  runtime: EmulatorRuntime,
  mandateId: string | null,
  status: MandateObject['status'],
  origin: EventOrigin = AUTOMATIC_ORIGIN,
): void {
  const mandate = mandateId ? runtime.store.mandates.get(mandateId) : undefined;
  if (!mandate || mandate.status === status) return;
  const previous = mandate.status;
  mandate.status = status;
  runtime.events.record('mandate.updated', mandate, origin, { status: previous });
}
