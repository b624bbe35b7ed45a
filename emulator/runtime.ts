/** What the payment operations work with: state, time and the event log. */
import type { AchTimings } from './bank-debits/ach-timings.js';
import type { EmulatorClock } from './clock.js';
import type { EventRecorder } from './event-recorder.js';
import type { MerchantCategory } from './payments/authorization-validity.js';
import type { EmulatorStore } from './store.js';

/** The shared state every payment operation reads and changes. */
export interface EmulatorRuntime {
  store: EmulatorStore;
  clock: EmulatorClock;
  events: EventRecorder;
  /** How long bank debits, refunds and disputes take on the emulator clock. */
  ach: AchTimings;
  /** Failed confirmations after which Stripe cancels a PaymentIntent. */
  failedConfirmationLimit: number;
  /** The account's merchant category, which decides whether networks grant extended authorizations. */
  merchantCategory: MerchantCategory;
}
