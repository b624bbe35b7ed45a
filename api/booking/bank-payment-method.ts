/**
 * Turns the bank account details of a create request into a Stripe PaymentMethod before the
 * booking's workflow starts: only the `pm_…` id enters the workflow, whose history is plain text.
 */
import Stripe from 'stripe';
import type { BookingCustomer } from '../../workflows/booking/contract.js';
import { ApiError } from '../http/errors.js';
import type { BankPaymentBody } from './schemas.js';

/** The one Stripe call the API makes. A Stripe client satisfies it; tests may pass their own. */
export interface PaymentMethodCreator {
  paymentMethods: {
    create(params: Stripe.PaymentMethodCreateParams, options?: { idempotencyKey?: string }): Promise<{ id: string }>;
  };
}

/** Bank account details as the create body carries them. */
export type BankAccountDetails = NonNullable<BankPaymentBody['bankAccount']>;

/** What a bank account's PaymentMethod is created from. */
export interface BankPaymentMethodRequest {
  bookingId: string;
  /** The create request's fingerprint: the same request again reuses Stripe's first answer. */
  requestFingerprint: string;
  bankAccount: BankAccountDetails;
  customer: BookingCustomer;
}

/**
 * Creates the `us_bank_account` PaymentMethod and returns its id. Stripe's refusals of the details
 * (a bad routing number, …) become 422 `invalid_bank_account` with Stripe's message; anything else
 * is rethrown for the error mapping.
 */
export async function createBankPaymentMethod(
  stripe: PaymentMethodCreator,
  { bookingId, requestFingerprint, bankAccount, customer }: BankPaymentMethodRequest,
): Promise<string> {
  try {
    const paymentMethod = await stripe.paymentMethods.create(
      {
        type: 'us_bank_account',
        us_bank_account: {
          account_number: bankAccount.accountNumber,
          routing_number: bankAccount.routingNumber,
          ...(bankAccount.accountHolderType && { account_holder_type: bankAccount.accountHolderType }),
        },
        billing_details: { name: bankAccount.accountHolderName, email: customer.email },
      },
      // From the booking and the request: two concurrent identical requests get one PaymentMethod.
      { idempotencyKey: `booking-${bookingId}:bank-payment-method:${requestFingerprint.slice(0, 32)}` },
    );
    return paymentMethod.id;
  } catch (error) {
    if (isRefusedBankAccount(error)) {
      throw new ApiError('invalid_bank_account', error.message, { cause: error });
    }
    throw error;
  }
}

function isRefusedBankAccount(error: unknown): error is InstanceType<typeof Stripe.errors.StripeError> {
  return (
    (error instanceof Stripe.errors.StripeInvalidRequestError &&
      error.statusCode !== 409 &&
      error.statusCode !== 429) ||
    error instanceof Stripe.errors.StripeCardError
  );
}
