/**
 * Every request the product sends to Stripe, as plain functions over a Stripe client.
 * Activities call these; the contract test replays each of them against stripe-mock.
 */
import type Stripe from 'stripe';
import { HOLD_AMOUNT_CENTS, HOLD_CURRENCY } from '../workflows/booking/contract.js';

/** Inputs of a $1 manual-capture hold's PaymentIntent, created unconfirmed (nothing is held yet). */
export interface HoldIntentRequest {
  bookingId: string;
  attempt: number;
  paymentMethod: string;
  stripeCustomerId: string;
  idempotencyKey: string;
  /** The renewal's number (1, 2, …) for a later authorization of the same attempt; absent for the first. */
  renewal?: number;
  /** Save the card for later off-session authorizations (docs.stripe.com/payments/save-during-payment). */
  setupFutureUsage?: boolean;
  /** Ask for an extended authorization (docs.stripe.com/payments/extended-authorization). */
  extendedAuthorization?: boolean;
}

/**
 * Inputs of a hold's PaymentIntent created and confirmed in one request (`confirm: true`): the
 * issuer is asked at once; a decline is a 402 whose error carries the PaymentIntent.
 */
export interface HoldPlacementRequest extends HoldIntentRequest {
  /** A saved card charged while the customer is away: Stripe must not ask for 3-D Secure. */
  offSession?: boolean;
}

/** Inputs of the confirmation that asks the issuer for the authorization. */
export interface HoldConfirmationRequest {
  paymentIntentId: string;
  paymentMethod: string;
  /** A saved card charged while the customer is away: Stripe must not ask for 3-D Secure. */
  offSession?: boolean;
  idempotencyKey: string;
}

/** Inputs of a bank-account (ACH) debit's PaymentIntent, created unconfirmed. */
export interface BankPaymentIntentRequest {
  bookingId: string;
  attempt: number;
  amount: number;
  stripeCustomerId: string;
  paymentMethod: string;
  verification: 'automatic' | 'instant' | 'microdeposits';
  targetDate: string | null;
  idempotencyKey: string;
}

/** Inputs of the confirmation that submits the debit under the customer's mandate. */
export interface BankPaymentConfirmationRequest {
  paymentIntentId: string;
  paymentMethod: string;
  /** The customer's acceptance collected for this payment, or the mandate a saved account already has. */
  mandate: { ipAddress: string; userAgent: string; acceptedAt: string } | { mandateId: string };
  idempotencyKey: string;
}

/** Inputs of a bank debit's PaymentIntent created and confirmed (submitted under its mandate) in one request. */
export interface BankPaymentPlacementRequest extends BankPaymentIntentRequest {
  mandate: BankPaymentConfirmationRequest['mandate'];
}

/** Inputs of a SetupIntent saving a card or bank account for off-session use. */
export interface SetupIntentRequest {
  setupId: string;
  customerId: string;
  stripeCustomerId: string;
  type: 'card' | 'us_bank_account';
  verification: 'automatic' | 'instant' | 'microdeposits';
  idempotencyKey: string;
}

/**
 * The Stripe requests used by the booking orchestrator. Every request that creates a booking's
 * PaymentIntent is recorded by activities/common/recorded-creations.ts; a new one must be added there.
 */
export interface PaymentGateway {
  createCustomer(input: {
    customerId: string;
    email: string;
    name: string;
    idempotencyKey: string;
  }): Promise<Stripe.Customer>;
  retrieveCustomer(stripeCustomerId: string): Promise<Stripe.Customer | Stripe.DeletedCustomer>;
  createHoldPaymentIntent(input: HoldIntentRequest): Promise<Stripe.PaymentIntent>;
  confirmHoldPaymentIntent(input: HoldConfirmationRequest): Promise<Stripe.PaymentIntent>;
  /** Creates and confirms a hold's PaymentIntent in one request. */
  placeHoldPaymentIntent(input: HoldPlacementRequest): Promise<Stripe.PaymentIntent>;
  retrievePaymentIntent(paymentIntentId: string): Promise<Stripe.PaymentIntent>;
  createBankPaymentIntent(input: BankPaymentIntentRequest): Promise<Stripe.PaymentIntent>;
  confirmBankPaymentIntent(input: BankPaymentConfirmationRequest): Promise<Stripe.PaymentIntent>;
  /** Creates and confirms a bank debit's PaymentIntent in one request. */
  placeBankPaymentIntent(input: BankPaymentPlacementRequest): Promise<Stripe.PaymentIntent>;
  verifyMicrodeposits(input: {
    paymentIntentId: string;
    amounts?: number[];
    descriptorCode?: string;
    idempotencyKey: string;
  }): Promise<Stripe.PaymentIntent>;
  retrievePaymentMethod(paymentMethodId: string): Promise<Stripe.PaymentMethod>;
  retrieveFinancialConnectionsAccount(accountId: string): Promise<Stripe.FinancialConnections.Account>;
  /** Asks the bank for the account's balance; Stripe answers `balance_refresh.status: pending` and finishes later. */
  refreshFinancialConnectionsBalance(input: {
    accountId: string;
    idempotencyKey: string;
  }): Promise<Stripe.FinancialConnections.Account>;
  createRefund(input: { paymentIntentId: string; amount: number; idempotencyKey: string }): Promise<Stripe.Refund>;
  retrieveRefund(refundId: string): Promise<Stripe.Refund>;
  cancelPaymentIntent(input: {
    paymentIntentId: string;
    reason: Stripe.PaymentIntentCancelParams.CancellationReason;
    idempotencyKey: string;
  }): Promise<Stripe.PaymentIntent>;
  createSetupIntent(input: SetupIntentRequest): Promise<Stripe.SetupIntent>;
  retrieveSetupIntent(setupIntentId: string): Promise<Stripe.SetupIntent>;
  verifySetupMicrodeposits(input: {
    setupIntentId: string;
    amounts?: number[];
    descriptorCode?: string;
    idempotencyKey: string;
  }): Promise<Stripe.SetupIntent>;
  cancelSetupIntent(input: { setupIntentId: string; idempotencyKey: string }): Promise<Stripe.SetupIntent>;
  retrieveMandate(mandateId: string): Promise<Stripe.Mandate>;
  detachPaymentMethod(paymentMethodId: string): Promise<Stripe.PaymentMethod>;
  /**
   * Every event created at or after `createdSince` (unix seconds), newest first, fetched `pageSize` at a
   * time as the caller iterates; `startingAfter` resumes after an event already seen.
   */
  listEvents(input: { createdSince: number; pageSize: number; startingAfter?: string }): AsyncIterable<Stripe.Event>;
  /** A customer's PaymentIntents, newest first, every page as the caller iterates. */
  listPaymentIntents(input: { stripeCustomerId: string }): AsyncIterable<Stripe.PaymentIntent>;
  /** A PaymentIntent's refunds, newest first. */
  listRefunds(input: { paymentIntentId: string }): AsyncIterable<Stripe.Refund>;
  /** A customer's SetupIntents, newest first. */
  listSetupIntents(input: { stripeCustomerId: string }): AsyncIterable<Stripe.SetupIntent>;
  /** The Customers with this email, newest first. */
  listCustomers(input: { email: string }): AsyncIterable<Stripe.Customer>;
}

/** Builds the gateway over a Stripe client. */
export function createPaymentGateway(stripe: Stripe): PaymentGateway {
  return {
    createCustomer: ({ customerId, email, name, idempotencyKey }) =>
      stripe.customers.create({ email, name, metadata: { customer_id: customerId } }, { idempotencyKey }),

    retrieveCustomer: (stripeCustomerId) => stripe.customers.retrieve(stripeCustomerId),

    createHoldPaymentIntent: ({ idempotencyKey, ...hold }) =>
      stripe.paymentIntents.create(holdIntentParams(hold), { idempotencyKey }),

    confirmHoldPaymentIntent: ({ paymentIntentId, paymentMethod, offSession, idempotencyKey }) =>
      stripe.paymentIntents.confirm(
        paymentIntentId,
        { payment_method: paymentMethod, ...(offSession && { off_session: true }), expand: ['latest_charge'] },
        { idempotencyKey },
      ),

    // docs.stripe.com/api/payment_intents/create#create_payment_intent-confirm: off_session only with confirm.
    placeHoldPaymentIntent: ({ idempotencyKey, offSession, ...hold }) =>
      stripe.paymentIntents.create(
        {
          ...holdIntentParams(hold),
          confirm: true,
          ...(offSession && { off_session: true }),
          expand: ['latest_charge'],
        },
        { idempotencyKey },
      ),

    retrievePaymentIntent: (paymentIntentId) =>
      stripe.paymentIntents.retrieve(paymentIntentId, { expand: ['latest_charge'] }),

    createBankPaymentIntent: ({ idempotencyKey, ...debit }) =>
      stripe.paymentIntents.create(bankIntentParams(debit), { idempotencyKey }),

    confirmBankPaymentIntent: ({ paymentIntentId, paymentMethod, mandate, idempotencyKey }) =>
      stripe.paymentIntents.confirm(
        paymentIntentId,
        { payment_method: paymentMethod, ...mandateParams(mandate), expand: ['latest_charge'] },
        { idempotencyKey },
      ),

    // docs.stripe.com/api/payment_intents/create#create_payment_intent-mandate_data: only with confirm.
    placeBankPaymentIntent: ({ idempotencyKey, mandate, ...debit }) =>
      stripe.paymentIntents.create(
        { ...bankIntentParams(debit), confirm: true, ...mandateParams(mandate), expand: ['latest_charge'] },
        { idempotencyKey },
      ),

    verifyMicrodeposits: ({ paymentIntentId, amounts, descriptorCode, idempotencyKey }) =>
      stripe.paymentIntents.verifyMicrodeposits(
        paymentIntentId,
        {
          ...(amounts && { amounts }),
          ...(descriptorCode && { descriptor_code: descriptorCode }),
          expand: ['latest_charge'],
        },
        { idempotencyKey },
      ),

    retrievePaymentMethod: (paymentMethodId) => stripe.paymentMethods.retrieve(paymentMethodId),

    retrieveFinancialConnectionsAccount: (accountId) => stripe.financialConnections.accounts.retrieve(accountId),

    refreshFinancialConnectionsBalance: ({ accountId, idempotencyKey }) =>
      stripe.financialConnections.accounts.refresh(accountId, { features: ['balance'] }, { idempotencyKey }),

    createRefund: ({ paymentIntentId, amount, idempotencyKey }) =>
      stripe.refunds.create(
        { payment_intent: paymentIntentId, amount, reason: 'requested_by_customer' },
        { idempotencyKey },
      ),

    retrieveRefund: (refundId) => stripe.refunds.retrieve(refundId),

    cancelPaymentIntent: ({ paymentIntentId, reason, idempotencyKey }) =>
      stripe.paymentIntents.cancel(
        paymentIntentId,
        { cancellation_reason: reason, expand: ['latest_charge'] },
        { idempotencyKey },
      ),

    createSetupIntent: ({ setupId, customerId, stripeCustomerId, type, verification, idempotencyKey }) =>
      stripe.setupIntents.create(
        {
          customer: stripeCustomerId,
          usage: 'off_session',
          payment_method_types: [type],
          ...(type === 'us_bank_account' && {
            payment_method_options: { us_bank_account: { verification_method: verification } },
          }),
          description: `Saved payment method for customer ${customerId}`,
          metadata: { setup_id: setupId, customer_id: customerId },
        },
        { idempotencyKey },
      ),

    retrieveSetupIntent: (setupIntentId) => stripe.setupIntents.retrieve(setupIntentId),

    verifySetupMicrodeposits: ({ setupIntentId, amounts, descriptorCode, idempotencyKey }) =>
      stripe.setupIntents.verifyMicrodeposits(
        setupIntentId,
        { ...(amounts && { amounts }), ...(descriptorCode && { descriptor_code: descriptorCode }) },
        { idempotencyKey },
      ),

    cancelSetupIntent: ({ setupIntentId, idempotencyKey }) =>
      stripe.setupIntents.cancel(setupIntentId, { cancellation_reason: 'abandoned' }, { idempotencyKey }),

    retrieveMandate: (mandateId) => stripe.mandates.retrieve(mandateId),

    detachPaymentMethod: (paymentMethodId) => stripe.paymentMethods.detach(paymentMethodId),

    // The list promise is also an async iterator that fetches the following pages (auto-pagination).
    listEvents: ({ createdSince, pageSize, startingAfter }) =>
      stripe.events.list({
        created: { gte: createdSince },
        limit: pageSize,
        ...(startingAfter && { starting_after: startingAfter }),
      }),

    listPaymentIntents: ({ stripeCustomerId }) =>
      stripe.paymentIntents.list({ customer: stripeCustomerId, limit: 100 }),

    listRefunds: ({ paymentIntentId }) => stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 }),

    listSetupIntents: ({ stripeCustomerId }) => stripe.setupIntents.list({ customer: stripeCustomerId, limit: 100 }),

    listCustomers: ({ email }) => stripe.customers.list({ email, limit: 100 }),
  };
}

/** The parameters of a $1 manual-capture hold's PaymentIntent, unconfirmed. */
function holdIntentParams({
  bookingId,
  attempt,
  paymentMethod,
  stripeCustomerId,
  ...plan
}: Omit<HoldIntentRequest, 'idempotencyKey'>): Stripe.PaymentIntentCreateParams {
  return {
    amount: HOLD_AMOUNT_CENTS,
    currency: HOLD_CURRENCY,
    capture_method: 'manual',
    customer: stripeCustomerId,
    payment_method: paymentMethod,
    payment_method_types: ['card'],
    description: `$1 authorization hold for booking ${bookingId}`,
    metadata: {
      booking_id: bookingId,
      hold_attempt: String(attempt),
      ...(plan.renewal && { hold_renewal: String(plan.renewal) }),
    },
    ...(plan.setupFutureUsage && { setup_future_usage: 'off_session' }),
    ...(plan.extendedAuthorization && {
      payment_method_options: { card: { request_extended_authorization: 'if_available' } },
    }),
  };
}

/** The parameters of a bank (ACH) debit's PaymentIntent, unconfirmed. */
function bankIntentParams({
  bookingId,
  attempt,
  amount,
  stripeCustomerId,
  paymentMethod,
  verification,
  targetDate,
}: Omit<BankPaymentIntentRequest, 'idempotencyKey'>): Stripe.PaymentIntentCreateParams {
  return {
    amount,
    currency: 'usd',
    customer: stripeCustomerId,
    payment_method: paymentMethod,
    payment_method_types: ['us_bank_account'],
    payment_method_options: {
      us_bank_account: { verification_method: verification, ...(targetDate && { target_date: targetDate }) },
    },
    description: `Bank payment for booking ${bookingId}`,
    metadata: { booking_id: bookingId, payment_attempt: String(attempt), purpose: 'booking_payment' },
  };
}

/** The mandate a bank debit is confirmed under: a saved account's (off-session), or the customer's acceptance now. */
function mandateParams(
  mandate: BankPaymentConfirmationRequest['mandate'],
): { mandate: string; off_session: true } | { mandate_data: Stripe.PaymentIntentCreateParams.MandateData } {
  if ('mandateId' in mandate) return { mandate: mandate.mandateId, off_session: true };
  return {
    mandate_data: {
      customer_acceptance: {
        type: 'online' as const,
        accepted_at: Math.floor(new Date(mandate.acceptedAt).getTime() / 1000),
        online: { ip_address: mandate.ipAddress, user_agent: mandate.userAgent },
      },
    },
  };
}
