/** Finds the PaymentMethod a request names: a stored `pm_…` or a test alias such as `pm_card_visa`. */
import { buildCardPaymentMethod } from '../objects/payment-method.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { PaymentMethodRecord } from '../store.js';
import { resourceMissing } from '../stripe-errors.js';
import { findTestCard } from '../test-payment-methods.js';

/**
 * The PaymentMethod behind `id`. A test alias creates a fresh PaymentMethod each time, as Stripe
 * does; an unknown id is Stripe's 400 `resource_missing` on `param`.
 */
export function resolvePaymentMethod(runtime: EmulatorRuntime, id: string, param = 'payment_method'): PaymentMethodRecord {
  const stored = runtime.store.paymentMethods.get(id);
  if (stored) return stored;
  const testCard = findTestCard(id);
  if (!testCard) throw resourceMissing('PaymentMethod', id, param);
  const record: PaymentMethodRecord = {
    object: buildCardPaymentMethod(testCard, runtime.clock.nowSeconds()),
    behaviour: testCard.behaviour,
  };
  runtime.store.paymentMethods.set(record.object.id, record);
  return record;
}
