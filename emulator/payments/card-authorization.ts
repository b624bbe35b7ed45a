/** The outcome of charging a card for a PaymentIntent: an authorization or a decline. */
import { buildCardCharge, chargeSubjectOf, type ChargeObject } from '../objects/charge.js';
import type { EventOrigin } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import { cardError, errorDocUrl, type StripeApiError } from '../stripe-errors.js';
import {
  authorizationValiditySeconds,
  extendedAuthorizationGranted,
  type PaymentInitiator,
} from './authorization-validity.js';

export { CARD_AUTHORIZATION_VALIDITY_SECONDS } from './authorization-validity.js';

/** The issuer's reasons for refusing a charge. */
export interface CardDecline {
  code: string;
  declineCode: string;
  message: string;
  param?: string;
  adviceCode?: string;
}

/** How the authorization came about: 3-D Secure completed, and who initiated the payment. */
export interface AuthorizationContext {
  authenticated: boolean;
  initiator: PaymentInitiator;
}

/**
 * The capture deadline of a held authorization and whether the network extended it: by brand and
 * initiator, extended only when the PaymentIntent asks `if_available` and the network grants it for
 * the account's merchant category (docs.stripe.com/payments/extended-authorization).
 */
function heldAuthorizationTerms(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  brand: string,
  initiator: PaymentInitiator,
): { captureBefore: number; extended: boolean } {
  const requested = paymentIntent.payment_method_options.card?.request_extended_authorization === 'if_available';
  const extended = requested && extendedAuthorizationGranted(brand, runtime.merchantCategory);
  return {
    captureBefore: runtime.clock.nowSeconds() + authorizationValiditySeconds(brand, initiator, extended),
    extended,
  };
}

/**
 * A PaymentIntent with `setup_future_usage` saves its payment method once authorized: attached to the
 * PaymentIntent's customer and, for `off_session`, usable off-session later without a new challenge
 * (docs.stripe.com/payments/save-during-payment, docs.stripe.com/api/payment_intents/object#payment_intent_object-setup_future_usage).
 */
function saveForFutureUsage(
  runtime: EmulatorRuntime,
  paymentIntent: PaymentIntentObject,
  paymentMethod: PaymentMethodRecord,
  origin: EventOrigin,
): void {
  if (!paymentIntent.setup_future_usage) return;
  if (paymentIntent.setup_future_usage === 'off_session') paymentMethod.setUpForOffSession = true;
  if (paymentIntent.customer && paymentMethod.object.customer === null) {
    paymentMethod.object.customer = paymentIntent.customer;
    runtime.events.record('payment_method.attached', paymentMethod.object, origin);
  }
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
  context: AuthorizationContext,
): ChargeObject {
  const now = runtime.clock.nowSeconds();
  const manual = paymentIntent.capture_method === 'manual';
  const brand = paymentMethod.object.card?.brand ?? 'unknown';
  const terms = manual ? heldAuthorizationTerms(runtime, paymentIntent, brand, context.initiator) : undefined;
  const charge = buildCardCharge(
    chargeSubjectOf(paymentIntent),
    paymentMethod.object,
    {
      kind: 'authorized',
      captured: !manual,
      captureBefore: terms?.captureBefore,
      extendedAuthorization: terms?.extended ?? false,
      authenticated: context.authenticated,
    },
    now,
  );
  runtime.store.charges.set(charge.id, charge);
  saveForFutureUsage(runtime, paymentIntent, paymentMethod, origin);
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
