/** Helpers of the emulator's ACH tests: bank debit parameters, manual bank accounts, events of one PaymentIntent. */
import type Stripe from 'stripe';
import type { RunningEmulator } from './running-emulator.js';

/** Online mandate acceptance, as a booking page collects it. */
export const ONLINE_MANDATE = {
  customer_acceptance: {
    type: 'online' as const,
    online: { ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0 (emulator tests)' },
  },
};

/** Parameters of a confirmed ACH debit of $125 for a booking, with online mandate acceptance. */
export function bankDebitParams(paymentMethod: string, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) {
  return {
    amount: 12_500,
    currency: 'usd',
    payment_method_types: ['us_bank_account'],
    payment_method: paymentMethod,
    confirm: true,
    mandate_data: ONLINE_MANDATE,
    metadata: { booking_id: `bk-${paymentMethod}` },
    ...extra,
  } satisfies Stripe.PaymentIntentCreateParams;
}

/** A bank account PaymentMethod typed in by hand (so verified with microdeposits), routing 110000000. */
export function manualBankAccount(
  running: RunningEmulator,
  accountNumber = '000123456789',
): Promise<Stripe.PaymentMethod> {
  return running.stripe.paymentMethods.create({
    type: 'us_bank_account',
    us_bank_account: { account_number: accountNumber, routing_number: '110000000', account_holder_type: 'individual' },
    billing_details: { name: 'Jenny Rosen', email: 'jenny+test_email@example.com' },
  });
}

/** The types of the events recorded so far about `paymentIntentId` or its charges, oldest first. */
export function eventTypesOf(running: RunningEmulator, paymentIntentId: string): string[] {
  return running.emulator.runtime.store.events
    .filter((event) => {
      const object = event.data.object as { id?: string; payment_intent?: string };
      return object.id === paymentIntentId || object.payment_intent === paymentIntentId;
    })
    .map((event) => event.type);
}

/** Moves the emulator clock forward by `seconds` (running due settlements, expiries and disputes). */
export async function advanceClock(running: RunningEmulator, seconds: number): Promise<void> {
  await running.control('POST', '/_emulator/clock/advance', { seconds });
}

/** The emulator's current time, in unix seconds. */
export async function emulatorNow(running: RunningEmulator): Promise<number> {
  return (await running.control<{ now: number }>('GET', '/_emulator/clock')).now;
}
