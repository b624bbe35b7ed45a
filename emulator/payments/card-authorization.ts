/** The outcome of charging a card for a PaymentIntent: an authorization or a decline. */
import { buildCardCharge, chargeSubjectOf, type ChargeObject } from '../objects/charge.js';
import type { EventOrigin } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import { cardError, errorDocUrl, type StripeApiError } from '../stripe-errors.js';

/** How long a customer-initiated card authorization can be captured: 7 days. */
export const CARD_AUTHORIZATION_VALIDITY_SECONDS = 7 * 24 * 3600;

/** The issuer's reasons for refusing a charge. */
export interface CardDecline {
  code: string;
  declineCode: string;
  message: string;
  param?: string;
  adviceCode?: string;
}

/**
 * Records an approved authorization: a held charge (`requires_capture`) for manual capture,
 * a captured one (`succeeded`) otherwise.
 */
export function recordAuthorization(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  paymentMethod: PaymentMethodRecord,
  origin: EventOrigin,
  authenticated: boolean,
): ChargeObject {
  const now = runtime.clock.nowSeconds();
  const manual = paymentIntent.capture_method === 'manual';
  const charge = buildCardCharge(
    chargeSubjectOf(paymentIntent),
    paymentMethod.object,
    {
      kind: 'authorized',
      captured: !manual,
      captureBefore: manual ? now + CARD_AUTHORIZATION_VALIDITY_SECONDS : undefined,
      authenticated,
    },
    now,
  );
  runtime.store.charges.set(charge.id, charge);
  paymentIntent.payment_method = paymentMethod.object.id;
  paymentIntent.latest_charge = charge.id;
  paymentIntent.last_payment_error = null;
  paymentIntent.next_action = null;
  if (manual) {
    paymentIntent.status = 'requires_capture';
    paymentIntent.amount_capturable = paymentIntent.amount;
    runtime.events.record('charge.succeeded', charge, origin);
    runtime.events.record('payment_intent.amount_capturable_updated', paymentIntent, origin);
  } else {
    paymentIntent.status = 'succeeded';
    paymentIntent.amount_received = paymentIntent.amount;
    runtime.events.record('charge.succeeded', charge, origin);
    runtime.events.record('payment_intent.succeeded', paymentIntent, origin);
  }
  return charge;
}

/**
 * Records a declined charge: the PaymentIntent goes back to `requires_payment_method` with
 * `last_payment_error`. Returns the 402 card error the confirming request answers.
 */
export function recordDecline(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  paymentMethod: PaymentMethodRecord,
  decline: CardDecline,
  origin: EventOrigin,
): StripeApiError {
  const now = runtime.clock.nowSeconds();
  const charge = buildCardCharge(
    chargeSubjectOf(paymentIntent),
    paymentMethod.object,
    { kind: 'declined', ...decline },
    now,
  );
  runtime.store.charges.set(charge.id, charge);
  const errorBody = {
    type: 'card_error' as const,
    code: decline.code,
    decline_code: decline.declineCode,
    ...(decline.adviceCode ? { advice_code: decline.adviceCode } : {}),
    message: decline.message,
    ...(decline.param ? { param: decline.param } : {}),
    charge: charge.id,
    doc_url: errorDocUrl(decline.code),
    payment_method: structuredClone(paymentMethod.object),
  };
  paymentIntent.status = 'requires_payment_method';
  paymentIntent.payment_method = null;
  paymentIntent.latest_charge = charge.id;
  paymentIntent.next_action = null;
  paymentIntent.last_payment_error = errorBody;
  runtime.events.record('charge.failed', charge, origin);
  runtime.events.record('payment_intent.payment_failed', paymentIntent, origin);
  const { type: _type, ...withoutType } = errorBody;
  return cardError({ ...withoutType, payment_intent: structuredClone(paymentIntent) });
}
