/** Mandates of bank debits: created at confirmation, reused when saved, made inactive by disputes and returns. */
import { AUTOMATIC_ORIGIN, type EventOrigin } from '../objects/event.js';
import { buildMandate, type CustomerAcceptance, type MandateObject } from '../objects/mandate.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { resourceMissing } from '../stripe-errors.js';
import { MANDATE_REQUIRED_MESSAGE, bankDebitRefusal } from './bank-debit-errors.js';

/** The mandate a confirmation uses: new from `acceptance`, the one named, or the payment method's active multi-use one. */
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
    if (named.status === 'active' && named.payment_method === paymentMethodId) return named;
  } else {
    for (const mandate of runtime.store.mandates.values()) {
      if (mandate.payment_method === paymentMethodId && mandate.type === 'multi_use' && mandate.status === 'active') return mandate;
    }
  }
  throw bankDebitRefusal(400, { type: 'invalid_request_error', message: MANDATE_REQUIRED_MESSAGE }, paymentIntent);
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
