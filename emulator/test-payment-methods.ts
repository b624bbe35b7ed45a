/**
 * Stripe's test-mode card payment methods (`pm_card_…`) and how the card network answers them.
 * Other payment method types (us_bank_account for ACH) get their own tables next to this one.
 */

/** How the issuer answers an authorization attempt with a test card. */
export type CardAuthorizationBehaviour =
  | { kind: 'approve' }
  | { kind: 'decline'; code: string; declineCode: string; message: string; param?: string; adviceCode?: string }
  /**
   * 3-D Secure on-session; off-session Stripe declines with `authentication_required`, unless
   * `unlessSetUp` and the card was set up for off-session use by a SetupIntent (Stripe's 4000002500003155).
   */
  | { kind: 'require_authentication'; unlessSetUp?: boolean };

/** The card details and issuer behaviour behind one test payment method alias. */
export interface TestCard {
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay';
  last4: string;
  funding: 'credit' | 'debit' | 'prepaid';
  country: string;
  behaviour: CardAuthorizationBehaviour;
}

const approve: CardAuthorizationBehaviour = { kind: 'approve' };
const requireAuthentication: CardAuthorizationBehaviour = { kind: 'require_authentication' };

const CARD_DECLINED_MESSAGE = 'Your card was declined.';

function decline(
  code: string,
  declineCode: string,
  message: string,
  extra: { param?: string; adviceCode?: string } = {},
): CardAuthorizationBehaviour {
  return { kind: 'decline', code, declineCode, message, ...extra };
}

function visa(last4: string, behaviour: CardAuthorizationBehaviour): TestCard {
  return { brand: 'visa', last4, funding: 'credit', country: 'US', behaviour };
}

/** Test payment method aliases, keyed by the id Stripe accepts in test mode. */
export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  pm_card_visa: visa('4242', approve),
  pm_card_visa_debit: { ...visa('5556', approve), funding: 'debit' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', funding: 'credit', country: 'US', behaviour: approve },
  pm_card_mastercard_debit: { brand: 'mastercard', last4: '8210', funding: 'debit', country: 'US', behaviour: approve },
  pm_card_mastercard_prepaid: {
    brand: 'mastercard',
    last4: '5100',
    funding: 'prepaid',
    country: 'US',
    behaviour: approve,
  },
  pm_card_amex: { brand: 'amex', last4: '8431', funding: 'credit', country: 'US', behaviour: approve },
  pm_card_discover: { brand: 'discover', last4: '1117', funding: 'credit', country: 'US', behaviour: approve },
  pm_card_diners: { brand: 'diners', last4: '0004', funding: 'credit', country: 'US', behaviour: approve },
  pm_card_jcb: { brand: 'jcb', last4: '0000', funding: 'credit', country: 'JP', behaviour: approve },
  pm_card_unionpay: { brand: 'unionpay', last4: '0005', funding: 'credit', country: 'CN', behaviour: approve },
  pm_card_chargeDeclined: visa('0002', decline('card_declined', 'generic_decline', CARD_DECLINED_MESSAGE)),
  pm_card_chargeDeclinedInsufficientFunds: visa(
    '9995',
    decline('card_declined', 'insufficient_funds', 'Your card has insufficient funds.', {
      adviceCode: 'try_again_later',
    }),
  ),
  pm_card_chargeDeclinedLostCard: visa('9987', decline('card_declined', 'lost_card', CARD_DECLINED_MESSAGE)),
  pm_card_chargeDeclinedStolenCard: visa('9979', decline('card_declined', 'stolen_card', CARD_DECLINED_MESSAGE)),
  pm_card_chargeDeclinedExpiredCard: visa(
    '0069',
    decline('expired_card', 'expired_card', 'Your card has expired.', { param: 'exp_month' }),
  ),
  pm_card_chargeDeclinedIncorrectCvc: visa(
    '0127',
    decline('incorrect_cvc', 'incorrect_cvc', "Your card's security code is incorrect.", { param: 'cvc' }),
  ),
  pm_card_chargeDeclinedFraudulent: visa('0019', decline('card_declined', 'fraudulent', CARD_DECLINED_MESSAGE)),
  pm_card_chargeDeclinedProcessingError: visa(
    '0119',
    decline(
      'processing_error',
      'processing_error',
      'An error occurred while processing your card. Try again in a little bit.',
      { adviceCode: 'try_again_later' },
    ),
  ),
  // docs.stripe.com/testing#authentication-and-setup. 4000002500003155, "authenticate unless set up":
  // off-session payments succeed once the card was saved for off-session use.
  pm_card_authenticationRequiredOnSetup: visa('3155', { kind: 'require_authentication', unlessSetUp: true }),
  // 4000002760003184: authentication on every payment, however the card was set up; off-session it is
  // declined with `authentication_required`.
  pm_card_authenticationRequired: visa('3184', requireAuthentication),
  pm_card_threeDSecure2Required: visa('3220', requireAuthentication),
  pm_card_threeDSecureRequired: visa('3063', requireAuthentication),
};

/** The test card behind a `pm_card_…` alias, if Stripe knows that alias. */
export function findTestCard(alias: string): TestCard | undefined {
  return Object.prototype.hasOwnProperty.call(TEST_CARDS, alias) ? TEST_CARDS[alias] : undefined;
}

/** What the emulator answers when a card needing 3-D Secure is charged off-session. */
export const AUTHENTICATION_REQUIRED_DECLINE = {
  code: 'authentication_required',
  declineCode: 'authentication_required',
  message: 'Your card was declined. This transaction requires authentication.',
} as const;
