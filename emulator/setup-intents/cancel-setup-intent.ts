/** Cancellation of a SetupIntent by the caller, before it is processing or succeeded. */
import { setMandateStatus } from '../bank-debits/mandates.js';
import type { EventOrigin } from '../objects/event.js';
import type { SetupIntentObject, SetupIntentStatus } from '../objects/setup-intent.js';
import type { EmulatorRuntime } from '../runtime.js';
import { setupIntentUnexpectedState } from '../stripe-errors.js';

/** Statuses from which Stripe lets a caller cancel a SetupIntent. */
export const SETUP_CANCELABLE_STATUSES: readonly SetupIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

/** Cancels `setupIntent` in place (pending microdeposits and mandate dropped), or throws `setup_intent_unexpected_state`. */
export function cancelSetupIntent(
  runtime: EmulatorRuntime,
  setupIntent: SetupIntentObject,
  reason: SetupIntentObject['cancellation_reason'],
  origin: EventOrigin,
): void {
  if (!SETUP_CANCELABLE_STATUSES.includes(setupIntent.status)) {
    throw setupIntentUnexpectedState(
      `You cannot cancel this SetupIntent because it has a status of ${setupIntent.status}. Only a SetupIntent with one of the following statuses may be canceled: ${SETUP_CANCELABLE_STATUSES.join(', ')}.`,
      structuredClone(setupIntent),
    );
  }
  runtime.store.bankSetups.delete(setupIntent.id);
  setMandateStatus(runtime, setupIntent.mandate, 'inactive', origin);
  setupIntent.status = 'canceled';
  setupIntent.cancellation_reason = reason;
  setupIntent.next_action = null;
  runtime.events.record('setup_intent.canceled', setupIntent, origin);
}
