import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNotifications } from '../../db/notifications.js';
import { findSavedPaymentMethod } from '../../db/saved-payment-methods.js';
import {
  FailureTypes,
  bookingStateQuery,
  bookingWorkflowId,
  cancelBookingUpdate,
  supplyPaymentMethodUpdate,
  type BankPaymentInput,
  type BookingCustomer,
  type BookingState,
} from '../../workflows/booking/contract.js';
import {
  setupIntentReadyUpdate,
  verifySetupMicrodepositsUpdate,
  type PaymentMethodSetupState,
  type SavedPaymentMethod,
} from '../../workflows/setup/contract.js';
import { ONLINE_MANDATE } from '../../harness/bank-debits.js';
import { startBookingHarness, type BookingHarness } from '../../harness/booking-harness.js';
import { waitFor } from '../../harness/wait-for.js';

let harness: BookingHarness;

beforeAll(async () => {
  harness = await startBookingHarness({ achMicrodepositType: 'descriptor_code' });
});

afterAll(async () => {
  await harness?.stop();
});

/** The acceptance a booking page collects for a bank account the customer has not saved. */
const NEW_MANDATE = {
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (booking tests)',
  acceptedAt: '2026-11-01T10:00:00Z',
};

function returningCustomer(): BookingCustomer {
  return { id: `cust-returning-${randomUUID()}`, email: 'returning@example.com', name: 'Returning Guest' };
}

/** Saves a card for `customer` through the setup workflow, completing 3-D Secure if the card asks for it. */
async function saveCard(customer: BookingCustomer, card = 'pm_card_visa'): Promise<SavedPaymentMethod> {
  const handle = await harness.startSetup({ customer, type: 'card' });
  const ready = await handle.executeUpdate(setupIntentReadyUpdate);
  const confirmed = await harness.stripe.setupIntents.confirm(ready.setupIntentId!, { payment_method: card });
  if (confirmed.status === 'requires_action') {
    await harness.control('POST', `/_emulator/setup_intents/${confirmed.id}/authenticate`, { outcome: 'succeed' });
  }
  await harness.relaySetup(ready.setupId, await harness.setupEventsFor(ready.setupId));
  const final: PaymentMethodSetupState = await handle.result();
  expect(final.saved?.status).toBe('active');
  return final.saved!;
}

/** Saves a bank account typed in by hand for `customer`, verified once by microdeposits. */
async function saveBankAccount(customer: BookingCustomer): Promise<SavedPaymentMethod> {
  const handle = await harness.startSetup({ customer, type: 'us_bank_account' });
  const ready = await handle.executeUpdate(setupIntentReadyUpdate);
  const paymentMethod = await harness.stripe.paymentMethods.create({
    type: 'us_bank_account',
    us_bank_account: { account_number: '000123456789', routing_number: '110000000', account_holder_type: 'individual' },
    billing_details: { name: customer.name, email: customer.email },
  });
  await harness.stripe.setupIntents.confirm(ready.setupIntentId!, {
    payment_method: paymentMethod.id,
    mandate_data: ONLINE_MANDATE,
  });
  await harness.relaySetup(ready.setupId, await harness.setupEventsFor(ready.setupId));
  await harness.waitForSetupStatus(handle, 'requires_action');
  const verified = await handle.executeUpdate(verifySetupMicrodepositsUpdate, { args: [{ descriptorCode: 'SM11AA' }] });
  expect(verified.setup.saved?.mandate?.status).toBe('active');
  return verified.setup.saved!;
}

/** The booking's debit from a saved bank account: no acceptance of its own, the saved mandate instead. */
function savedBankPayment(saved: SavedPaymentMethod): BankPaymentInput {
  return {
    amount: 12_500,
    paymentMethod: saved.paymentMethodId,
    mandate: null,
    savedMandateId: saved.mandate!.id,
    verification: 'automatic',
    targetDate: null,
    checkBalance: false,
  };
}

async function relayAll(handle: WorkflowHandle, bookingId: string): Promise<void> {
  await harness.relay(bookingId, await harness.eventsFor(bookingId));
  await handle.query(bookingStateQuery);
}

/** The booking's notifications, once every notification the workflow created is recorded. */
async function notifications(bookingId: string) {
  const handle = harness.env.client.workflow.getHandle(bookingWorkflowId(bookingId));
  return waitFor(
    async () => {
      const [state, rows] = await Promise.all([
        handle.query(bookingStateQuery),
        listNotifications(harness.db, bookingId),
      ]);
      return rows.length === state.notificationsCreated ? rows : false;
    },
    { description: `every notification of ${bookingId} recorded` },
  );
}

async function notificationTypes(bookingId: string): Promise<string[]> {
  return (await notifications(bookingId)).map((n) => n.type);
}

async function paymentIntent(id: string): Promise<Stripe.PaymentIntent> {
  return harness.stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] });
}

/** Cancels the booking, lets a refund it starts land, and waits for the workflow to end. */
async function cancelAndFinish(handle: WorkflowHandle): Promise<BookingState> {
  const state = await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
  if (state.payment?.refund?.status === 'pending') {
    await harness.control('POST', `/_emulator/refunds/${state.payment.refund.id}/settle`);
    await relayAll(handle, state.bookingId);
    await harness.waitForPaymentStatus(handle, 'refunded');
  }
  return handle.result();
}

describe('bookings on saved payment methods (time-skipping)', () => {
  it('holds a saved card off-session, without asking the customer for 3-D Secure again', async () => {
    const customer = returningCustomer();
    // This card asks for 3-D Secure on-session unless it was set up; saved for off-session use, Stripe no longer does.
    const saved = await saveCard(customer, 'pm_card_authenticationRequiredOnSetup');

    const handle = await harness.startBooking({
      customer,
      holdPaymentMethod: saved.paymentMethodId,
      holdOffSession: true,
    });
    const held = await harness.waitForHoldStatus(handle, 'held');

    expect(held.hold).toMatchObject({ paymentMethod: saved.paymentMethodId, offSession: true, attempt: 1 });
    const hold = await paymentIntent(held.hold.paymentIntentId!);
    expect(hold).toMatchObject({
      status: 'requires_capture',
      payment_method: saved.paymentMethodId,
      customer: held.stripeCustomerId,
    });
    expect(await notificationTypes(held.bookingId)).toEqual(['hold.held']);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'booking-saved-card');
  });

  it('debits a saved bank account under its mandate, without verifying the account again', async () => {
    const customer = returningCustomer();
    const saved = await saveBankAccount(customer);

    const handle = await harness.startBooking({ customer, payment: savedBankPayment(saved) });
    const processing = await harness.waitForPaymentStatus(handle, 'processing');

    expect(processing.payment!.microdeposits).toBeNull();
    const debit = await paymentIntent(processing.payment!.paymentIntentId!);
    expect((debit.latest_charge as Stripe.Charge).payment_method_details?.us_bank_account?.mandate).toBe(
      saved.mandate!.id,
    );
    await harness.control('POST', `/_emulator/payment_intents/${debit.id}/settle`);
    await relayAll(handle, processing.bookingId);
    const succeeded = await harness.waitForPaymentStatus(handle, 'succeeded');

    expect(succeeded.payment!.paymentReference).toMatch(/\w+/);
    expect((await notificationTypes(succeeded.bookingId)).filter((type) => type.startsWith('payment'))).toEqual([
      'payment.processing',
      'payment.succeeded',
    ]);
    expect((await harness.stripe.mandates.retrieve(saved.mandate!.id)).status).toBe('active');
    expect((await findSavedPaymentMethod(harness.db, saved.paymentMethodId))?.status).toBe('active');
    await harness.recordHistory(handle, 'booking-saved-bank');
    await cancelAndFinish(handle);
  });

  it('records a revoked mandate, marks the saved account unusable, notifies, and debits the new account the customer gives', async () => {
    const customer = returningCustomer();
    const saved = await saveBankAccount(customer);
    await harness.control('POST', `/_emulator/mandates/${saved.mandate!.id}/revoke`);

    const handle = await harness.startBooking({ customer, payment: savedBankPayment(saved) });
    const refused = await harness.waitForPaymentStatus(handle, 'requires_payment_method');

    expect(refused.payment!.failureCode).toBe('payment_intent_mandate_invalid');
    expect(refused.payment!.reason).toMatch(/mandate is no longer valid/);
    expect(await findSavedPaymentMethod(harness.db, saved.paymentMethodId)).toMatchObject({
      status: 'unusable',
      unusableReason: 'mandate_inactive',
      mandate: { id: saved.mandate!.id, status: 'inactive' },
    });
    const sent = await notifications(refused.bookingId);
    expect(sent.map((n) => n.type).filter((type) => type !== 'hold.held')).toEqual([
      'payment_method.unusable',
      'payment.requires_payment_method',
    ]);
    expect((sent.find((n) => n.type === 'payment_method.unusable')!.payload as { data: unknown }).data).toMatchObject({
      paymentMethod: saved.paymentMethodId,
      reason: 'mandate_inactive',
    });

    // The booking has no acceptance of its own to reuse: a new account needs the customer's.
    const withoutMandate = await handle
      .executeUpdate(supplyPaymentMethodUpdate, {
        args: [{ for: 'payment', paymentMethod: 'pm_usBankAccount_success' }],
      })
      .catch((error: unknown) => error);
    expect(withoutMandate).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((withoutMandate as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
      FailureTypes.MandateRequired,
    );

    const resumed = await handle.executeUpdate(supplyPaymentMethodUpdate, {
      args: [{ for: 'payment', paymentMethod: 'pm_usBankAccount_success', mandate: NEW_MANDATE }],
    });
    expect(resumed.payment).toMatchObject({
      status: 'processing',
      attempt: 2,
      savedMandateId: null,
      failureCode: null,
    });
    await harness.control('POST', `/_emulator/payment_intents/${resumed.payment!.paymentIntentId}/settle`);
    await relayAll(handle, resumed.bookingId);
    await harness.waitForPaymentStatus(handle, 'succeeded');

    expect((await notificationTypes(resumed.bookingId)).filter((type) => type !== 'hold.held')).toEqual([
      'payment_method.unusable',
      'payment.requires_payment_method',
      'payment.processing',
      'payment.succeeded',
    ]);
    await harness.recordHistory(handle, 'booking-saved-mandate-revoked');
    await cancelAndFinish(handle);
  });

  it('records a saved card that has expired as unusable, notifies, and holds the other saved card the customer picks', async () => {
    const customer = returningCustomer();
    const expiring = await saveCard(customer, 'pm_card_visa');
    const other = await saveCard(customer, 'pm_card_mastercard');
    await harness.control('POST', `/_emulator/payment_methods/${expiring.paymentMethodId}/expire`);

    const handle = await harness.startBooking({
      customer,
      holdPaymentMethod: expiring.paymentMethodId,
      holdOffSession: true,
    });
    const declined = await harness.waitForHoldStatus(handle, 'declined');

    expect(declined.hold.declineCode).toBe('expired_card');
    expect(declined.hold.reason).toBe('the saved card has expired; a new payment method is needed');
    expect(await findSavedPaymentMethod(harness.db, expiring.paymentMethodId)).toMatchObject({
      status: 'unusable',
      unusableReason: 'card_expired',
    });
    expect((await findSavedPaymentMethod(harness.db, other.paymentMethodId))?.status).toBe('active');
    expect(await notificationTypes(declined.bookingId)).toEqual(['payment_method.unusable', 'hold.declined']);

    const held = await handle.executeUpdate(supplyPaymentMethodUpdate, {
      args: [{ paymentMethod: other.paymentMethodId, offSession: true }],
    });

    expect(held.hold).toMatchObject({
      status: 'held',
      attempt: 2,
      paymentMethod: other.paymentMethodId,
      offSession: true,
    });
    // The declined PaymentIntent was confirmed again with the other card: still one per booking.
    expect(held.hold.paymentIntentId).toBe(declined.hold.paymentIntentId);
    expect(await paymentIntent(held.hold.paymentIntentId!)).toMatchObject({
      status: 'requires_capture',
      payment_method: other.paymentMethodId,
    });
    expect(await notificationTypes(held.bookingId)).toEqual(['payment_method.unusable', 'hold.declined', 'hold.held']);
    await handle.executeUpdate(cancelBookingUpdate, { args: [{}] });
    await handle.result();
    await harness.recordHistory(handle, 'booking-saved-card-expired');
  });
});
