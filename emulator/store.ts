/** The emulator's in-memory state: every Stripe object it has created, by id. */
import type { ChargeObject } from './objects/charge.js';
import type { CustomerObject } from './objects/customer.js';
import type { EventObject } from './objects/event.js';
import type { PaymentIntentObject } from './objects/payment-intent.js';
import type { PaymentMethodObject } from './objects/payment-method.js';
import type { CardAuthorizationBehaviour } from './test-payment-methods.js';

/** A PaymentMethod and how its issuer answers charges (from the test card it came from). */
export interface PaymentMethodRecord {
  object: PaymentMethodObject;
  behaviour: CardAuthorizationBehaviour;
}

/** All Stripe objects held by one emulator instance. */
export class EmulatorStore {
  readonly customers = new Map<string, CustomerObject>();
  readonly paymentMethods = new Map<string, PaymentMethodRecord>();
  readonly paymentIntents = new Map<string, PaymentIntentObject>();
  readonly charges = new Map<string, ChargeObject>();
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
      case 'ch':
        return this.charges.get(id);
      case 'evt':
        return this.eventsById.get(id);
      default:
        return undefined;
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.customers.clear();
    this.paymentMethods.clear();
    this.paymentIntents.clear();
    this.charges.clear();
    this.events.length = 0;
    this.eventsById.clear();
  }
}
