/** The emulator's in-memory state: every Stripe object it has created, by id. */
import type { ChargeObject } from './objects/charge.js';
import type { BankDebitRecord } from './bank-debits/bank-debit-record.js';
import type { CustomerObject } from './objects/customer.js';
import type { DisputeObject } from './objects/dispute.js';
import type { EventObject } from './objects/event.js';
import type {
  FinancialConnectionsAccountObject,
  InstitutionBalanceRecord,
} from './objects/financial-connections-account.js';
import type { MandateObject } from './objects/mandate.js';
import type { PaymentIntentObject } from './objects/payment-intent.js';
import type { PaymentMethodObject } from './objects/payment-method.js';
import type { RefundObject } from './objects/refund.js';
import type { SetupIntentObject } from './objects/setup-intent.js';
import type { BankSetupRecord } from './setup-intents/bank-setup-record.js';
import type { BankAccountBehaviour } from './test-bank-accounts.js';
import type { CardAuthorizationBehaviour } from './test-payment-methods.js';

/** How the issuer or the bank answers charges of a PaymentMethod (from the test card or account behind it). */
export type PaymentMethodBehaviour = CardAuthorizationBehaviour | BankAccountBehaviour;

/** A PaymentMethod and how its issuer or bank answers charges. */
export interface PaymentMethodRecord {
  object: PaymentMethodObject;
  behaviour: PaymentMethodBehaviour;
  /** Set up for off-session use by a succeeded SetupIntent (absent in state files written before SetupIntents). */
  setUpForOffSession?: boolean;
}

/** All Stripe objects held by one emulator instance. */
export class EmulatorStore {
  readonly customers = new Map<string, CustomerObject>();
  readonly paymentMethods = new Map<string, PaymentMethodRecord>();
  readonly paymentIntents = new Map<string, PaymentIntentObject>();
  readonly setupIntents = new Map<string, SetupIntentObject>();
  readonly charges = new Map<string, ChargeObject>();
  readonly mandates = new Map<string, MandateObject>();
  readonly refunds = new Map<string, RefundObject>();
  readonly disputes = new Map<string, DisputeObject>();
  readonly financialConnectionsAccounts = new Map<string, FinancialConnectionsAccountObject>();
  /** What each linked account's bank holds and reports through balance refreshes, by account id. */
  readonly institutionBalances = new Map<string, InstitutionBalanceRecord>();
  /** The emulator's own bookkeeping of each bank debit (verification, settlement), by PaymentIntent id. */
  readonly bankDebits = new Map<string, BankDebitRecord>();
  /** The emulator's bookkeeping of each bank account being saved (its microdeposits), by SetupIntent id. */
  readonly bankSetups = new Map<string, BankSetupRecord>();
  /** How many confirmations of each PaymentIntent failed (toward the confirmation limit), by PaymentIntent id. */
  readonly failedConfirmations = new Map<string, number>();
  /** A digest of the API key that created each PaymentIntent (its client secret goes only there), by PaymentIntent id. */
  readonly paymentIntentOwners = new Map<string, string>();
  /** Events, oldest first. */
  readonly events: EventObject[] = [];
  readonly eventsById = new Map<string, EventObject>();

  /** Any stored object by id, using Stripe's id prefixes (for `expand[]`). */
  findObject(id: string): unknown {
    const prefix = id.slice(0, id.indexOf('_'));
    switch (prefix) {
      case 'cus':
        return this.customers.get(id);
      case 'pm':
        return this.paymentMethods.get(id)?.object;
      case 'pi':
        return this.paymentIntents.get(id);
      case 'seti':
        return this.setupIntents.get(id);
      case 'ch':
        return this.charges.get(id);
      case 'evt':
        return this.eventsById.get(id);
      case 'mandate':
        return this.mandates.get(id);
      case 're':
        return this.refunds.get(id);
      case 'du':
        return this.disputes.get(id);
      case 'fca':
        return this.financialConnectionsAccounts.get(id);
      default:
        return undefined;
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.customers.clear();
    this.paymentMethods.clear();
    this.paymentIntents.clear();
    this.setupIntents.clear();
    this.charges.clear();
    this.mandates.clear();
    this.refunds.clear();
    this.disputes.clear();
    this.financialConnectionsAccounts.clear();
    this.institutionBalances.clear();
    this.bankDebits.clear();
    this.bankSetups.clear();
    this.failedConfirmations.clear();
    this.paymentIntentOwners.clear();
    this.events.length = 0;
    this.eventsById.clear();
  }
}
