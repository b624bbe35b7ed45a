/**
 * Saved payment methods end to end on real parts (harness/system-under-test.ts): the API
 * starts a setup, the test confirms its SetupIntent on the emulator as Stripe.js would in the
 * customer's browser, the emulator's signed webhooks bring the setup workflow to record the method,
 * and later bookings use it. Mandates are revoked and webhooks paused through the emulator's control API.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookingView } from '../../api/booking/schemas.js';
import type { SavedPaymentMethodView } from '../../api/saved-payment-methods/schemas.js';
import type { SetupView } from '../../api/setup/schemas.js';
import type { PaymentStatus } from '../../workflows/booking/contract.js';
import { paymentMethodSetupWorkflowId } from '../../workflows/setup/contract.js';
import {
  newBooking,
  startSystemUnderTest,
  waitForBooking as waitForBookingView,
  type SystemUnderTest,
} from '../../harness/system-under-test.js';
import { waitFor } from '../../harness/wait-for.js';

let system: SystemUnderTest;

beforeAll(async () => {
  system = await startSystemUnderTest({
    emulator: { achMicrodepositType: 'descriptor_code', webhookRetryBaseMs: 100 },
  });
}, 180_000);

afterAll(async () => {
  await system?.stop();
});

/** Answer of POST /v1/customers/:customerId/payment-methods. */
type StartedSetup = SetupView & { clientSecret: string | null };

/** The customer's acceptance of the ACH mandate, as Stripe.js sends it when the customer confirms. */
const ONLINE_ACCEPTANCE = {
  customer_acceptance: {
    type: 'online' as const,
    online: { ip_address: '203.0.113.7', user_agent: 'Mozilla/5.0 (integration tests)' },
  },
};

const newCustomer = () => ({ id: `cust-${randomUUID()}`, email: 'returning@example.com', name: 'Returning Guest' });

async function startSetup(
  customer: { id: string; email: string; name: string },
  body: Record<string, unknown>,
): Promise<StartedSetup> {
  const started = await system.api<StartedSetup>('POST', `/v1/customers/${customer.id}/payment-methods`, {
    email: customer.email,
    name: customer.name,
    ...body,
  });
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  return started.body;
}

async function waitForSetup(
  customerId: string,
  setupId: string,
  accept: (setup: SetupView) => boolean,
  description: string,
) {
  return waitFor(
    async () => {
      const { body } = await system.api<SetupView>(
        'GET',
        `/v1/customers/${customerId}/payment-methods/setups/${setupId}`,
      );
      return accept(body) ? body : false;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: `setup ${setupId} ${description}` },
  );
}

const saved = (customerId: string, setupId: string) =>
  waitForSetup(
    customerId,
    setupId,
    (setup) => setup.status === 'succeeded' && setup.savedPaymentMethod !== null,
    'saved',
  );

async function listSaved(customerId: string): Promise<SavedPaymentMethodView[]> {
  const { status, body } = await system.api<{ data: SavedPaymentMethodView[] }>(
    'GET',
    `/v1/customers/${customerId}/payment-methods`,
  );
  expect(status).toBe(200);
  return body.data;
}

const waitForBooking = (bookingId: string, accept: (booking: BookingView) => boolean, description: string) =>
  waitForBookingView(system, bookingId, accept, description);

const paymentIs = (status: PaymentStatus) => (booking: BookingView) => booking.payment?.status === status;

/** The setup workflow's history with every payload decoded to text, as an operator would read it. */
async function readableSetupHistory(setupId: string): Promise<string> {
  const history = await system.decodedHistory(paymentMethodSetupWorkflowId(setupId));
  return JSON.stringify(history, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('utf8');
    return key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value;
  });
}

/** Saves a bank account from one of Stripe's test tokens (already verified), as a returning customer would. */
async function saveVerifiedBankAccount(customer: {
  id: string;
  email: string;
  name: string;
}): Promise<SavedPaymentMethodView> {
  const setup = await startSetup(customer, { type: 'us_bank_account' });
  await system.stripe.setupIntents.confirm(setup.setupIntentId!, {
    payment_method: 'pm_usBankAccount_success',
    mandate_data: ONLINE_ACCEPTANCE,
  });
  return (await saved(customer.id, setup.setupId)).savedPaymentMethod!;
}

describe('saved payment methods, end to end', () => {
  it('saves a card, lists it, holds a booking on it off-session, and deletes it', async () => {
    const customer = newCustomer();
    const setupId = `setup-${randomUUID()}`;
    const setup = await startSetup(customer, { type: 'card', setupId });
    expect(setup).toMatchObject({ setupId, customerId: customer.id, type: 'card', status: 'requires_payment_method' });
    expect(setup.setupIntentId).toMatch(/^seti_/);
    expect(setup.clientSecret).toMatch(new RegExp(`^${setup.setupIntentId}_secret_`));

    // The customer's browser: stripe.confirmCardSetup(clientSecret, …) with the card they typed in.
    await system.stripe.setupIntents.confirm(setup.setupIntentId!, { payment_method: 'pm_card_visa' });
    const done = await saved(customer.id, setupId);
    const method = done.savedPaymentMethod!;
    expect(method).toMatchObject({
      type: 'card',
      brand: 'visa',
      last4: '4242',
      status: 'active',
      mandate: null,
      setupId,
    });
    expect(method.paymentMethodId).toMatch(/^pm_/);
    expect(await listSaved(customer.id)).toEqual([method]);

    const booking = newBooking({ customer, holdPaymentMethod: method.paymentMethodId });
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    const held = await waitForBooking(booking.bookingId, (view) => view.hold.status === 'held', 'held');
    expect(held.hold.offSession).toBe(true);
    const intents = await system.emulatorControl('GET', `/_emulator/payment_intents?booking_id=${booking.bookingId}`);
    expect(intents.data[0]).toMatchObject({ payment_method: method.paymentMethodId, status: 'requires_capture' });

    const removed = await system.api<SavedPaymentMethodView>(
      'DELETE',
      `/v1/customers/${customer.id}/payment-methods/${method.paymentMethodId}`,
    );
    expect(removed.status).toBe(200);
    expect(removed.body.status).toBe('detached');
    expect((await system.stripe.paymentMethods.retrieve(method.paymentMethodId)).customer).toBeNull();
    expect(await listSaved(customer.id)).toEqual([]);

    const history = await readableSetupHistory(setupId);
    expect(history.includes(setup.setupIntentId!), 'decoded history shows the SetupIntent').toBe(true);
    expect(history.includes(setup.clientSecret!), 'client secret in the setup workflow history').toBe(false);
    const events = await system.db.query<{ type: string; payload: string }>(
      `SELECT type, payload::text AS payload FROM stripe_events WHERE setup_id = $1`,
      [setupId],
    );
    expect(events.rows.map((row) => row.type)).toEqual(expect.arrayContaining(['setup_intent.succeeded']));
    expect(
      events.rows.filter((row) => row.payload.includes(setup.clientSecret!)),
      'client secret in the inbox',
    ).toEqual([]);
  });

  it('saves a card that asks for 3-D Secure once the customer completes the challenge', async () => {
    const customer = newCustomer();
    const setup = await startSetup(customer, { type: 'card' });

    const confirmed = await system.stripe.setupIntents.confirm(setup.setupIntentId!, {
      payment_method: 'pm_card_authenticationRequiredOnSetup',
    });
    expect(confirmed.status).toBe('requires_action');
    await waitForSetup(
      customer.id,
      setup.setupId,
      (view) => view.status === 'requires_action',
      'waiting for 3-D Secure',
    );
    await system.emulatorControl('POST', `/_emulator/setup_intents/${setup.setupIntentId}/authenticate`, {
      outcome: 'succeed',
    });

    const method = (await saved(customer.id, setup.setupId)).savedPaymentMethod!;
    expect(method).toMatchObject({ type: 'card', status: 'active' });
    // Set up for off-session use: the issuer no longer asks for authentication when the customer is away.
    const booking = newBooking({ customer, holdPaymentMethod: method.paymentMethodId });
    expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
    const held = await waitForBooking(booking.bookingId, (view) => view.hold.status === 'held', 'held');
    expect(held.hold.offSession).toBe(true);
  });

  it('saves a bank account verified by microdeposits, pays a booking with it without new verification, and refuses it once its mandate is revoked', async () => {
    const customer = newCustomer();
    const setup = await startSetup(customer, { type: 'us_bank_account', verification: 'microdeposits' });

    // The customer's browser: stripe.confirmUsBankAccountSetup(clientSecret, …) with the details typed in.
    const bankAccount = await system.stripe.paymentMethods.create({
      type: 'us_bank_account',
      us_bank_account: {
        account_number: '000123456789',
        routing_number: '110000000',
        account_holder_type: 'individual',
      },
      billing_details: { name: customer.name, email: customer.email },
    });
    await system.stripe.setupIntents.confirm(setup.setupIntentId!, {
      payment_method: bankAccount.id,
      mandate_data: ONLINE_ACCEPTANCE,
    });
    const waiting = await waitForSetup(
      customer.id,
      setup.setupId,
      (view) => view.microdeposits !== null,
      'waiting for microdeposits',
    );
    expect(waiting.microdeposits).toMatchObject({ type: 'descriptor_code', attemptsRemaining: 10 });

    const verified = await system.api<{ result: string; setup: SetupView }>(
      'POST',
      `/v1/customers/${customer.id}/payment-methods/setups/${setup.setupId}/microdeposits`,
      { descriptorCode: 'SM11AA' },
    );
    expect(verified.status).toBe(200);
    expect(verified.body.result).toBe('verified');
    const method = (await saved(customer.id, setup.setupId)).savedPaymentMethod!;
    expect(method).toMatchObject({
      paymentMethodId: bankAccount.id,
      type: 'us_bank_account',
      last4: '6789',
      status: 'active',
    });
    expect(method.mandate).toMatchObject({ id: expect.stringMatching(/^mandate_/), status: 'active' });

    const paid = newBooking({
      customer,
      payment: { amount: 12_500, method: 'us_bank_account', paymentMethod: method.paymentMethodId },
    });
    const created = await system.api('POST', '/v1/bookings', paid);
    expect(created.status).toBe(201);
    expect(created.body.payment?.savedMandateId).toBe(method.mandate!.id);
    const processing = await waitForBooking(paid.bookingId, paymentIs('processing'), 'payment processing');
    expect(processing.payment?.microdeposits).toBeNull();
    await system.emulatorControl('POST', `/_emulator/payment_intents/${processing.payment!.paymentIntentId}/settle`);
    await waitForBooking(paid.bookingId, paymentIs('succeeded'), 'payment succeeded');

    await system.emulatorControl('POST', `/_emulator/mandates/${method.mandate!.id}/revoke`);
    const unusable = await waitFor(
      async () => {
        const [listed] = await listSaved(customer.id);
        return listed?.status === 'unusable' ? listed : false;
      },
      { description: 'saved bank account unusable after mandate.updated' },
    );
    expect(unusable).toMatchObject({
      unusableReason: 'mandate_inactive',
      mandate: { id: method.mandate!.id, status: 'inactive' },
    });
    const inbox = await system.db.query<{ status: string }>(
      `SELECT status FROM stripe_events WHERE type = 'mandate.updated' AND payload->'data'->'object'->>'id' = $1 AND payload->'data'->'object'->>'status' = 'inactive'`,
      [method.mandate!.id],
    );
    expect(inbox.rows).toEqual([{ status: 'handled' }]);

    const refused = await system.api(
      'POST',
      '/v1/bookings',
      newBooking({
        customer,
        payment: { amount: 12_500, method: 'us_bank_account', paymentMethod: method.paymentMethodId },
      }),
    );
    expect(refused.status).toBe(422);
    expect(refused.body.error?.code).toBe('payment_method_unusable');
  });

  it('asks for a new payment method, and tells the booking service, when Stripe refuses a saved mandate the API still thought active', async () => {
    const customer = newCustomer();
    const method = await saveVerifiedBankAccount(customer);
    expect(method.mandate?.status).toBe('active');

    // The mandate is revoked while its webhook is held back: the API still lists the account as active.
    await system.emulatorControl('POST', '/_emulator/faults', { webhooks: { pause: true } });
    try {
      await system.emulatorControl('POST', `/_emulator/mandates/${method.mandate!.id}/revoke`);
      expect((await listSaved(customer.id))[0].status).toBe('active');

      const booking = newBooking({
        customer,
        payment: { amount: 12_500, method: 'us_bank_account', paymentMethod: method.paymentMethodId },
      });
      expect((await system.api('POST', '/v1/bookings', booking)).status).toBe(201);
      const asking = await waitForBooking(
        booking.bookingId,
        paymentIs('requires_payment_method'),
        'payment requires_payment_method',
      );
      expect(asking.payment?.failureCode).toBe('payment_intent_mandate_invalid');
      const notified = await waitFor(
        () => system.callbacks.find((c) => c.bookingId === booking.bookingId && c.type === 'payment_method.unusable'),
        { description: 'payment_method.unusable callback' },
      );
      expect(notified.signatureValid).toBe(true);
      expect((await listSaved(customer.id))[0]).toMatchObject({
        status: 'unusable',
        unusableReason: 'mandate_inactive',
      });
    } finally {
      await system.emulatorControl('DELETE', '/_emulator/faults');
      await system.emulatorControl('POST', '/_emulator/webhooks/flush');
    }

    // The late mandate.updated is stored and changes nothing: the account stays unusable.
    await waitFor(
      async () =>
        (
          await system.db.query(
            `SELECT 1 FROM stripe_events WHERE type = 'mandate.updated' AND payload->'data'->'object'->>'id' = $1 AND payload->'data'->'object'->>'status' = 'inactive'`,
            [method.mandate!.id],
          )
        ).rowCount === 1,
      { description: 'late mandate.updated stored' },
    );
    expect((await listSaved(customer.id))[0]).toMatchObject({ status: 'unusable', mandate: { status: 'inactive' } });
  });
});
