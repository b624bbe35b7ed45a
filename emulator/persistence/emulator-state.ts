/** Takes the emulator's durable state out of its live parts, and puts a saved state back into them. */
import type { EmulatorClock } from '../clock.js';
import type { IdempotencyStore } from '../idempotency.js';
import type { EmulatorStore } from '../store.js';
import type { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';
import { STATE_FILE_FORMAT, STATE_FILE_VERSION, type EmulatorState } from './state-file.js';

/** The parts of an emulator whose state outlives the process. */
export interface DurableParts {
  store: EmulatorStore;
  clock: EmulatorClock;
  idempotency: IdempotencyStore;
  webhooks: WebhookDispatcher;
}

/**
 * A copy of the durable state as it is now. Object ids are random (24 characters), so nothing else
 * (no counter) is needed for a later process to avoid collisions. Request logs and faults are
 * test-session settings and are not kept.
 */
export function captureEmulatorState({ store, clock, idempotency, webhooks }: DurableParts): EmulatorState {
  return {
    format: STATE_FILE_FORMAT,
    version: STATE_FILE_VERSION,
    savedAt: new Date().toISOString(),
    clock: { offsetSeconds: clock.offsetSeconds() },
    customers: [...store.customers.values()],
    paymentMethods: [...store.paymentMethods.values()],
    paymentIntents: [...store.paymentIntents.values()],
    charges: [...store.charges.values()],
    mandates: [...store.mandates.values()],
    refunds: [...store.refunds.values()],
    disputes: [...store.disputes.values()],
    financialConnectionsAccounts: [...store.financialConnectionsAccounts.values()],
    institutionBalances: [...store.institutionBalances.values()],
    bankDebits: [...store.bankDebits.values()],
    setupIntents: [...store.setupIntents.values()],
    bankSetups: [...store.bankSetups.values()],
    failedConfirmations: [...store.failedConfirmations].map(([paymentIntentId, failures]) => ({
      paymentIntentId,
      failures,
    })),
    paymentIntentOwners: [...store.paymentIntentOwners].map(([paymentIntentId, keyDigest]) => ({
      paymentIntentId,
      keyDigest,
    })),
    events: store.events,
    idempotency: idempotency.records(),
    webhookDeliveries: webhooks.list(),
  };
}

/** Loads a saved state into a fresh emulator and resumes the webhook deliveries that were not finished. */
export function restoreEmulatorState(
  { store, clock, idempotency, webhooks }: DurableParts,
  state: EmulatorState,
): void {
  const behind = state.clock.offsetSeconds - clock.offsetSeconds();
  if (behind > 0) clock.advance(behind);
  for (const customer of state.customers) store.customers.set(customer.id, customer);
  for (const record of state.paymentMethods) store.paymentMethods.set(record.object.id, record);
  for (const intent of state.paymentIntents) store.paymentIntents.set(intent.id, intent);
  for (const charge of state.charges) store.charges.set(charge.id, charge);
  for (const mandate of state.mandates) store.mandates.set(mandate.id, mandate);
  for (const refund of state.refunds) store.refunds.set(refund.id, refund);
  for (const dispute of state.disputes) store.disputes.set(dispute.id, dispute);
  for (const account of state.financialConnectionsAccounts) store.financialConnectionsAccounts.set(account.id, account);
  for (const record of state.institutionBalances) store.institutionBalances.set(record.accountId, record);
  for (const record of state.bankDebits) store.bankDebits.set(record.paymentIntentId, record);
  for (const setupIntent of state.setupIntents) store.setupIntents.set(setupIntent.id, setupIntent);
  for (const record of state.bankSetups) store.bankSetups.set(record.setupIntentId, record);
  for (const { paymentIntentId, failures } of state.failedConfirmations)
    store.failedConfirmations.set(paymentIntentId, failures);
  for (const { paymentIntentId, keyDigest } of state.paymentIntentOwners)
    store.paymentIntentOwners.set(paymentIntentId, keyDigest);
  for (const event of state.events) {
    store.events.push(event);
    store.eventsById.set(event.id, event);
  }
  idempotency.restore(state.idempotency);
  webhooks.restore(state.webhookDeliveries, (eventId) => store.eventsById.get(eventId));
}
