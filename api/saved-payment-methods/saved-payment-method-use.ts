/**
 * Whether a booking may use a payment method the customer saved: it must be theirs, still usable,
 * and of the right kind (a card for the hold, a bank account with its mandate for the payment).
 */
import type pg from 'pg';
import { findSavedPaymentMethod } from '../../db/saved-payment-methods.js';
import type { SavedPaymentMethod } from '../../workflows/setup/contract.js';
import { ApiError } from '../http/errors.js';
import type { CreateBookingBody } from '../booking/schemas.js';

/** What a payment method is for in a booking. */
export type PaymentMethodUse = 'hold' | 'payment';

/** Where a saved payment method is named, for the error messages (`holdPaymentMethod`, `payment.paymentMethod`). */
interface SavedMethodCheck {
  customerId: string;
  use: PaymentMethodUse;
  field: string;
}

const WANTED_TYPE = { hold: 'card', payment: 'us_bank_account' } as const;

/**
 * Refuses a saved payment method the booking cannot use: another customer's, detached or unusable
 * (422 `payment_method_unusable`), or a bank account for the hold or a card for the payment
 * (422 `payment_method_type_mismatch`). Answers the method when it may be used.
 */
export function checkSavedPaymentMethod(
  saved: SavedPaymentMethod,
  { customerId, use, field }: SavedMethodCheck,
): SavedPaymentMethod {
  const id = saved.paymentMethodId;
  // Another customer's method is refused without telling anything about it.
  if (saved.customerId !== customerId) {
    throw new ApiError('payment_method_unusable', `${field}: ${id} is not a saved payment method of this customer`);
  }
  if (saved.status === 'detached') {
    throw new ApiError(
      'payment_method_unusable',
      `${field}: ${id} was removed from the customer's saved payment methods`,
    );
  }
  if (saved.status === 'unusable') {
    throw new ApiError(
      'payment_method_unusable',
      `${field}: ${id} can no longer be used (${saved.unusableReason ?? 'unusable'}); ask the customer for another payment method`,
    );
  }
  if (saved.type !== WANTED_TYPE[use]) {
    throw new ApiError(
      'payment_method_type_mismatch',
      `${field}: ${id} is a saved ${saved.type}; ${use === 'hold' ? 'the hold needs a card' : 'a bank payment needs a us_bank_account'}`,
    );
  }
  return saved;
}

/** The saved payment method behind `paymentMethodId`, checked for this use; null when it was never saved (used as given). */
export async function findUsableSavedPaymentMethod(
  db: pg.Pool,
  paymentMethodId: string,
  check: SavedMethodCheck,
): Promise<SavedPaymentMethod | null> {
  const saved = await findSavedPaymentMethod(db, paymentMethodId);
  return saved && checkSavedPaymentMethod(saved, check);
}

/** What a new booking takes from the customer's saved payment methods. */
export interface SavedPaymentMethodsOfBooking {
  /** The hold's card is a saved one: it is charged off-session. */
  holdOffSession: boolean;
  /** The payment's bank account is a saved one: the debit reuses this mandate. */
  savedMandateId: string | null;
}

/**
 * Resolves the saved payment methods a create body names, and requires the customer's mandate
 * acceptance for a bank payment unless a saved bank account brings its own mandate.
 */
export async function savedPaymentMethodsOfBooking(
  db: pg.Pool,
  body: CreateBookingBody,
): Promise<SavedPaymentMethodsOfBooking> {
  const customerId = body.customer.id;
  const savedHold = await findUsableSavedPaymentMethod(db, body.holdPaymentMethod, {
    customerId,
    use: 'hold',
    field: 'holdPaymentMethod',
  });
  const bankPaymentMethod = body.payment?.paymentMethod;
  const savedBank = bankPaymentMethod
    ? await findUsableSavedPaymentMethod(db, bankPaymentMethod, {
        customerId,
        use: 'payment',
        field: 'payment.paymentMethod',
      })
    : null;
  const savedMandateId = savedBank?.mandate?.id ?? null;
  if (body.payment && !body.payment.mandate && !savedMandateId) {
    throw new ApiError(
      'validation_failed',
      "payment.mandate: required (the customer's acceptance of the debit) unless paymentMethod is a bank account the customer saved",
    );
  }
  return { holdOffSession: savedHold !== null, savedMandateId };
}
