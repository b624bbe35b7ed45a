/** Finds the PaymentMethod a request names: a stored `pm_…` or a test alias such as `pm_card_visa` or `pm_usBankAccount_success`. */
import { emptyBillingDetails } from '../objects/billing-details.js';
import { buildCardPaymentMethod, buildUsBankAccountPaymentMethod } from '../objects/payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import { StripeApiError, resourceMissing } from '../stripe-errors.js';
import { TEST_ROUTING_NUMBER, findTestBankAccountToken } from '../test-bank-accounts.js';
import { findTestCard } from '../test-payment-methods.js';

/** A fresh PaymentMethod for a test alias (`pm_card_…`, `pm_usBankAccount_…`), or undefined for an unknown one. */
export function paymentMethodFromAlias(alias: string, created: number): PaymentMethodRecord | undefined {
  const testCard = findTestCard(alias);
  if (testCard) return { object: buildCardPaymentMethod(testCard, created), behaviour: testCard.behaviour };
  const testAccount = findTestBankAccountToken(alias);
  if (!testAccount) return undefined;
  return {
    object: buildUsBankAccountPaymentMethod(
      {
        accountNumber: testAccount.accountNumber,
        routingNumber: TEST_ROUTING_NUMBER,
        accountHolderType: 'individual',
        accountType: 'checking',
        financialConnectionsAccount: null,
        billingDetails: emptyBillingDetails({ name: 'Jenny Rosen' }),
      },
      created,
    ),
    // Stripe's tokens stand for accounts already verified, except the one whose microdeposits fail.
    behaviour: {
      kind: 'bank_account',
      outcome: testAccount.outcome,
      verified: !testAccount.microdepositsFail,
      microdepositsFail: testAccount.microdepositsFail,
    },
  };
}

/**
 * The PaymentMethod behind `id`. A test alias creates a fresh PaymentMethod each time, as Stripe
 * does; an unknown id is Stripe's 400 `resource_missing` on `param`.
 */
export function resolvePaymentMethod(
  runtime: EmulatorRuntime,
  id: string,
  param = 'payment_method',
): PaymentMethodRecord {
  const stored = runtime.store.paymentMethods.get(id);
  if (stored) return stored;
  const record = paymentMethodFromAlias(id, runtime.clock.nowSeconds());
  if (!record) throw resourceMissing('PaymentMethod', id, param);
  runtime.store.paymentMethods.set(record.object.id, record);
  return record;
}

/**
 * Refuses a PaymentMethod saved to another Customer than the one paying (400 on `payment_method`),
 * as Stripe does: a PaymentMethod attached to a Customer is usable only by that Customer
 * (docs.stripe.com/api/payment_methods/attach). One attached to no Customer may be used once.
 */
export function assertUsableByCustomer(paymentMethod: PaymentMethodRecord, customer: string | null): void {
  const owner = paymentMethod.object.customer;
  if (owner === null || owner === customer) return;
  throw new StripeApiError(
    400,
    {
      type: 'invalid_request_error',
      message: `The customer does not have a payment method with the ID ${paymentMethod.object.id}. The payment method must be attached to the customer.`,
      param: 'payment_method',
    },
    true,
  );
}
