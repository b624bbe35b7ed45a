/**
 * The Stripe calls the API makes for saved payment methods: reading a SetupIntent's client secret
 * for the customer's browser, and detaching a payment method the customer removes.
 */
import Stripe from 'stripe';
import type { PaymentGateway } from '../../stripe/payment-gateway.js';

/** The gateway requests the customer routes use; the gateway over a Stripe client satisfies it, tests pass their own. */
export type SavedPaymentMethodGateway = Pick<
  PaymentGateway,
  'retrieveSetupIntent' | 'retrievePaymentMethod' | 'detachPaymentMethod'
>;

/**
 * The SetupIntent's client secret, read from Stripe for this answer only: it never enters a
 * workflow's history, the database or a log line.
 */
export async function readClientSecret(gateway: SavedPaymentMethodGateway, setupIntentId: string): Promise<string> {
  const setupIntent = await gateway.retrieveSetupIntent(setupIntentId);
  if (!setupIntent.client_secret) throw new Error(`SetupIntent ${setupIntentId} has no client secret`);
  return setupIntent.client_secret;
}

function isRefusal(error: unknown): error is InstanceType<typeof Stripe.errors.StripeInvalidRequestError> {
  return (
    error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode !== 409 && error.statusCode !== 429
  );
}

/**
 * Detaches the PaymentMethod from its Stripe customer. One Stripe no longer has, or that is attached
 * to no customer (a retried request, a detach done in the Dashboard), is already where it should be;
 * outages and any other refusal are thrown for the error mapping.
 */
export async function detachFromStripe(gateway: SavedPaymentMethodGateway, paymentMethodId: string): Promise<void> {
  try {
    await gateway.detachPaymentMethod(paymentMethodId);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    if (error.code === 'resource_missing') return;
    // Stripe gives no code for "not attached to a customer": its own record says whether that is the reason.
    const current = await gateway.retrievePaymentMethod(paymentMethodId).catch((readError: unknown) => {
      if (isRefusal(readError) && readError.code === 'resource_missing') return null;
      throw readError;
    });
    if (current === null || current.customer === null) return;
    throw error;
  }
}
