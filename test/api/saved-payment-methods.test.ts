/**
 * HTTP contract of a customer's saved payment methods: listing and removing them, bookings that
 * name one (the hold off-session, the bank payment on the saved mandate, unusable ones refused),
 * a new payment method for a booking, and `mandate.updated` webhooks applied to the records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findSavedPaymentMethod,
  markSavedPaymentMethodDetached,
  markSavedPaymentMethodUnusable,
  recordSavedPaymentMethod,
} from '../../db/saved-payment-methods.js';
import { bookingWorkflowId, type BookingInput } from '../../workflows/booking/contract.js';
import type { SavedPaymentMethodType } from '../../workflows/setup/contract.js';
import { authJson, bookingBody, startApiHarness, stripeSignature, type ApiHarness } from './fixtures/api-harness.js';
import { DECLINED_PAYMENT_METHOD, FAILED_BANK_PAYMENT_METHOD } from './fixtures/booking-workflow-stub.js';
import { ALREADY_DETACHED_PAYMENT_METHOD, UNREACHABLE_PAYMENT_METHOD } from './fixtures/stub-setup-gateway.js';

let harness: ApiHarness;

beforeAll(async () => {
  harness = await startApiHarness();
});

afterAll(async () => {
  await harness?.teardown();
});

let counter = 0;
const unique = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter += 1)}`;

async function request(method: string, path: string, body?: unknown) {
  const response = await harness.app.request(path, {
    method,
    headers: authJson(),
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** Records a saved payment method as the setup workflow would once its SetupIntent succeeded. */
async function savePaymentMethod(customerId: string, type: SavedPaymentMethodType, paymentMethodId = unique('pm')) {
  const isCard = type === 'card';
  return recordSavedPaymentMethod(harness.db, {
    paymentMethodId,
    customerId,
    stripeCustomerId: 'cus_stub',
    type,
    brand: isCard ? 'visa' : null,
    bankName: isCard ? null : 'STRIPE TEST BANK',
    last4: isCard ? '4242' : '6789',
    expMonth: isCard ? 12 : null,
    expYear: isCard ? 2034 : null,
    mandateId: isCard ? null : `mandate_${paymentMethodId.slice(3)}`,
    mandateStatus: isCard ? null : 'active',
    setupId: unique('setup'),
    setupIntentId: unique('seti'),
  });
}

const mandate = () => ({
  ipAddress: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (test)',
  acceptedAt: '2024-01-15T10:00:00Z',
});

function bankPayment(paymentMethod: string, extra: Record<string, unknown> = {}) {
  return { amount: 125_00, method: 'us_bank_account', paymentMethod, ...extra };
}

/** The booking workflow's start input, as Temporal stores it. */
async function startInput(bookingId: string): Promise<BookingInput> {
  const history = await harness.temporal.workflow.getHandle(bookingWorkflowId(bookingId)).fetchHistory();
  const data = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0].data!;
  return JSON.parse(Buffer.from(data).toString('utf8')) as BookingInput;
}

const customer = (id: string) => ({ id, email: 'ada@example.com', name: 'Ada Lovelace' });

describe('GET /v1/customers/:customerId/payment-methods', () => {
  it("lists the customer's methods that are not detached, newest first, with nothing more sensitive than the last four digits", async () => {
    const customerId = unique('cust');
    const cardMethod = await savePaymentMethod(customerId, 'card');
    const bank = await savePaymentMethod(customerId, 'us_bank_account');
    const removed = await savePaymentMethod(customerId, 'card');
    await markSavedPaymentMethodDetached(harness.db, removed.paymentMethodId);
    await savePaymentMethod(unique('cust'), 'card');

    const { status, body } = await request('GET', `/v1/customers/${customerId}/payment-methods`);

    expect(status).toBe(200);
    expect(body.data.map((method: { paymentMethodId: string }) => method.paymentMethodId).sort()).toEqual(
      [cardMethod.paymentMethodId, bank.paymentMethodId].sort(),
    );
    const listedCard = body.data.find((method: { type: string }) => method.type === 'card');
    expect(listedCard).toEqual({
      paymentMethodId: cardMethod.paymentMethodId,
      customerId,
      type: 'card',
      brand: 'visa',
      bankName: null,
      last4: '4242',
      expMonth: 12,
      expYear: 2034,
      mandate: null,
      status: 'active',
      unusableReason: null,
      setupId: cardMethod.setupId,
      createdAt: expect.any(String),
    });
    const listedBank = body.data.find((method: { type: string }) => method.type === 'us_bank_account');
    expect(listedBank).toMatchObject({
      bankName: 'STRIPE TEST BANK',
      last4: '6789',
      mandate: { id: bank.mandate!.id, status: 'active' },
    });
    expect(JSON.stringify(body)).not.toContain('cus_stub');
  });

  it('answers an empty list for a customer who saved nothing', async () => {
    const { status, body } = await request('GET', `/v1/customers/${unique('cust')}/payment-methods`);
    expect(status).toBe(200);
    expect(body).toEqual({ data: [] });
  });
});

describe('DELETE /v1/customers/:customerId/payment-methods/:paymentMethodId', () => {
  it('detaches the method on Stripe, answers it detached, and no longer lists it; a repeat answers the same', async () => {
    const customerId = unique('cust');
    const saved = await savePaymentMethod(customerId, 'card');
    const path = `/v1/customers/${customerId}/payment-methods/${saved.paymentMethodId}`;

    const removed = await request('DELETE', path);
    const again = await request('DELETE', path);

    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ paymentMethodId: saved.paymentMethodId, status: 'detached' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(removed.body);
    expect(harness.setupGateway.detached.filter((id) => id === saved.paymentMethodId)).toHaveLength(1);
    expect((await request('GET', `/v1/customers/${customerId}/payment-methods`)).body.data).toEqual([]);
  });

  it('removes a method Stripe had already detached', async () => {
    const customerId = unique('cust');
    await savePaymentMethod(customerId, 'card', ALREADY_DETACHED_PAYMENT_METHOD);
    const { status, body } = await request(
      'DELETE',
      `/v1/customers/${customerId}/payment-methods/${ALREADY_DETACHED_PAYMENT_METHOD}`,
    );
    expect(status).toBe(200);
    expect(body.status).toBe('detached');
  });

  it('answers 503 stripe_unavailable and keeps the method when Stripe cannot be reached', async () => {
    const customerId = unique('cust');
    await savePaymentMethod(customerId, 'card', UNREACHABLE_PAYMENT_METHOD);
    const { status, body } = await request(
      'DELETE',
      `/v1/customers/${customerId}/payment-methods/${UNREACHABLE_PAYMENT_METHOD}`,
    );
    expect(status).toBe(503);
    expect(body.error.code).toBe('stripe_unavailable');
    expect((await findSavedPaymentMethod(harness.db, UNREACHABLE_PAYMENT_METHOD))?.status).toBe('active');
  });

  it("answers 404 payment_method_not_found for another customer's method or one never saved, and detaches nothing", async () => {
    const saved = await savePaymentMethod(unique('cust'), 'card');
    const other = await request('DELETE', `/v1/customers/${unique('cust')}/payment-methods/${saved.paymentMethodId}`);
    const unknown = await request('DELETE', `/v1/customers/${saved.customerId}/payment-methods/pm_never_saved`);
    for (const answer of [other, unknown]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('payment_method_not_found');
    }
    expect(harness.setupGateway.detached).not.toContain(saved.paymentMethodId);
    expect((await findSavedPaymentMethod(harness.db, saved.paymentMethodId))?.status).toBe('active');
  });

  it('answers 422 validation_failed for an id that is not a PaymentMethod id', async () => {
    const { status, body } = await request('DELETE', '/v1/customers/cust_1/payment-methods/card_123');
    expect(status).toBe(422);
    expect(body.error.message).toContain('paymentMethodId');
  });
});

describe('POST /v1/bookings naming a saved payment method', () => {
  it('places the hold off-session on a saved card', async () => {
    const customerId = unique('cust');
    const saved = await savePaymentMethod(customerId, 'card');
    const bookingId = unique('bk');

    const created = await request(
      'POST',
      '/v1/bookings',
      bookingBody(bookingId, { customer: customer(customerId), holdPaymentMethod: saved.paymentMethodId }),
    );

    expect(created.status).toBe(201);
    expect(created.body.hold.offSession).toBe(true);
    expect((await startInput(bookingId)).holdOffSession).toBe(true);
    expect((await request('GET', `/v1/bookings/${bookingId}`)).body.hold.offSession).toBe(true);
  });

  it('places the hold on-session on a card that was not saved, with the input it always had', async () => {
    const bookingId = unique('bk');
    const created = await request('POST', '/v1/bookings', bookingBody(bookingId));
    expect(created.body.hold.offSession).toBe(false);
    expect(await startInput(bookingId)).not.toHaveProperty('holdOffSession');
  });

  it("debits a saved bank account under its mandate, without the customer's acceptance", async () => {
    const customerId = unique('cust');
    const saved = await savePaymentMethod(customerId, 'us_bank_account');
    const bookingId = unique('bk');

    const created = await request(
      'POST',
      '/v1/bookings',
      bookingBody(bookingId, { customer: customer(customerId), payment: bankPayment(saved.paymentMethodId) }),
    );

    expect(created.status).toBe(201);
    expect(created.body.payment).toMatchObject({ status: 'pending', savedMandateId: saved.mandate!.id });
    const input = await startInput(bookingId);
    expect(input.payment).toMatchObject({
      paymentMethod: saved.paymentMethodId,
      mandate: null,
      savedMandateId: saved.mandate!.id,
    });
  });

  it('still requires the mandate acceptance for a bank account that was not saved', async () => {
    const bookingId = unique('bk');
    const { status, body } = await request(
      'POST',
      '/v1/bookings',
      bookingBody(bookingId, { payment: bankPayment('pm_usBankAccount_success') }),
    );
    expect(status).toBe(422);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('payment.mandate');
  });

  it("answers 422 payment_method_unusable for another customer's, a detached or an unusable method, and starts nothing", async () => {
    const customerId = unique('cust');
    const othersCard = await savePaymentMethod(unique('cust'), 'card');
    const detachedCard = await savePaymentMethod(customerId, 'card');
    await markSavedPaymentMethodDetached(harness.db, detachedCard.paymentMethodId);
    const revokedBank = await savePaymentMethod(customerId, 'us_bank_account');
    await markSavedPaymentMethodUnusable(harness.db, {
      paymentMethodId: revokedBank.paymentMethodId,
      reason: 'mandate_inactive',
    });

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ holdPaymentMethod: othersCard.paymentMethodId }, 'not a saved payment method of this customer'],
      [{ holdPaymentMethod: detachedCard.paymentMethodId }, 'removed'],
      [{ payment: bankPayment(revokedBank.paymentMethodId) }, 'mandate_inactive'],
    ];
    for (const [overrides, message] of cases) {
      const bookingId = unique('bk');
      const { status, body } = await request(
        'POST',
        '/v1/bookings',
        bookingBody(bookingId, { customer: customer(customerId), ...overrides }),
      );
      expect(status, message).toBe(422);
      expect(body.error.code).toBe('payment_method_unusable');
      expect(body.error.message).toContain(message);
      expect((await request('GET', `/v1/bookings/${bookingId}`)).status).toBe(404);
    }
  });

  it('answers 422 payment_method_type_mismatch for a saved bank account as the hold or a saved card as the payment', async () => {
    const customerId = unique('cust');
    const cardMethod = await savePaymentMethod(customerId, 'card');
    const bank = await savePaymentMethod(customerId, 'us_bank_account');

    const bankForHold = await request(
      'POST',
      '/v1/bookings',
      bookingBody(unique('bk'), { customer: customer(customerId), holdPaymentMethod: bank.paymentMethodId }),
    );
    const cardForPayment = await request(
      'POST',
      '/v1/bookings',
      bookingBody(unique('bk'), {
        customer: customer(customerId),
        payment: bankPayment(cardMethod.paymentMethodId, { mandate: mandate() }),
      }),
    );

    for (const answer of [bankForHold, cardForPayment]) {
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('payment_method_type_mismatch');
    }
  });

  it('answers a repeated request with the booking even after its saved method became unusable', async () => {
    const customerId = unique('cust');
    const saved = await savePaymentMethod(customerId, 'card');
    const body = bookingBody(unique('bk'), {
      customer: customer(customerId),
      holdPaymentMethod: saved.paymentMethodId,
    });
    expect((await request('POST', '/v1/bookings', body)).status).toBe(201);
    await markSavedPaymentMethodUnusable(harness.db, {
      paymentMethodId: saved.paymentMethodId,
      reason: 'card_expired',
    });

    const again = await request('POST', '/v1/bookings', body);

    expect(again.status).toBe(200);
    expect(again.body.hold.offSession).toBe(true);
  });
});

describe('POST /v1/bookings/:bookingId/payment-method with saved payment methods', () => {
  it('offers a saved card off-session after a decline', async () => {
    const customerId = unique('cust');
    const saved = await savePaymentMethod(customerId, 'card');
    const bookingId = unique('bk');
    await request(
      'POST',
      '/v1/bookings',
      bookingBody(bookingId, { customer: customer(customerId), holdPaymentMethod: DECLINED_PAYMENT_METHOD }),
    );

    const { status, body } = await request('POST', `/v1/bookings/${bookingId}/payment-method`, {
      paymentMethod: saved.paymentMethodId,
    });

    expect(status).toBe(200);
    expect(body.hold).toMatchObject({ status: 'held', attempt: 2, offSession: true });
  });

  it('offers a saved bank account with its mandate after a failed bank payment', async () => {
    const customerId = unique('cust');
    const saved = await savePaymentMethod(customerId, 'us_bank_account');
    const bookingId = unique('bk');
    await request(
      'POST',
      '/v1/bookings',
      bookingBody(bookingId, {
        customer: customer(customerId),
        payment: bankPayment(FAILED_BANK_PAYMENT_METHOD, { mandate: mandate() }),
      }),
    );

    const { status, body } = await request('POST', `/v1/bookings/${bookingId}/payment-method`, {
      paymentMethod: saved.paymentMethodId,
      for: 'payment',
    });

    expect(status).toBe(200);
    expect(body.payment).toMatchObject({ status: 'processing', attempt: 2, savedMandateId: saved.mandate!.id });
  });

  it('answers 422 mandate_required for a new bank account on a booking that started on a saved one, and takes it with an acceptance', async () => {
    const customerId = unique('cust');
    // Saved, but its debits fail in the stub: the booking waits for another bank account, with no acceptance to reuse.
    const saved = await savePaymentMethod(customerId, 'us_bank_account', FAILED_BANK_PAYMENT_METHOD);
    const bookingId = unique('bk');
    const created = await request(
      'POST',
      '/v1/bookings',
      bookingBody(bookingId, { customer: customer(customerId), payment: bankPayment(saved.paymentMethodId) }),
    );
    expect(created.status).toBe(201);
    const path = `/v1/bookings/${bookingId}/payment-method`;

    const withoutAcceptance = await request('POST', path, { paymentMethod: 'pm_usBankAccount_new', for: 'payment' });
    const withAcceptance = await request('POST', path, {
      paymentMethod: 'pm_usBankAccount_new',
      for: 'payment',
      mandate: mandate(),
    });

    expect(withoutAcceptance.status).toBe(422);
    expect(withoutAcceptance.body.error.code).toBe('mandate_required');
    expect(withAcceptance.status).toBe(200);
    expect(withAcceptance.body.payment).toMatchObject({ status: 'processing', attempt: 2, savedMandateId: null });
    expect((await harness.bookingState(bookingId)).payment?.mandateAcceptance).toEqual(mandate());
  });

  it("answers 422 payment_method_unusable for another customer's saved card, and 422 validation_failed for a mandate with the hold", async () => {
    const othersCard = await savePaymentMethod(unique('cust'), 'card');
    const bookingId = unique('bk');
    await request(
      'POST',
      '/v1/bookings',
      bookingBody(bookingId, { customer: customer(unique('cust')), holdPaymentMethod: DECLINED_PAYMENT_METHOD }),
    );

    const others = await request('POST', `/v1/bookings/${bookingId}/payment-method`, {
      paymentMethod: othersCard.paymentMethodId,
    });
    const mandateForHold = await request('POST', `/v1/bookings/${bookingId}/payment-method`, {
      paymentMethod: 'pm_card_visa',
      mandate: mandate(),
    });

    expect(others.status).toBe(422);
    expect(others.body.error.code).toBe('payment_method_unusable');
    expect(mandateForHold.status).toBe(422);
    expect(mandateForHold.body.error.code).toBe('validation_failed');
    expect(mandateForHold.body.error.message).toContain('mandate');
    expect((await harness.bookingState(bookingId)).hold.attempt).toBe(1);
  });
});

describe('mandate.updated webhooks', () => {
  const mandateEvent = (eventId: string, mandateId: string, status: string, created: number) =>
    JSON.stringify({
      id: eventId,
      object: 'event',
      type: 'mandate.updated',
      created,
      data: {
        object: { id: mandateId, object: 'mandate', status, type: 'multi_use' },
        previous_attributes: { status: 'active' },
      },
    });

  async function deliverWebhook(payload: string) {
    const response = await harness.app.request('/v1/webhooks/stripe', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': stripeSignature(payload) },
      body: payload,
    });
    return { status: response.status, body: await response.json() };
  }

  const inboxRow = async (eventId: string) =>
    (
      await harness.db.query<{ status: string; last_error: string | null }>(
        'SELECT status, last_error FROM stripe_events WHERE id = $1',
        [eventId],
      )
    ).rows[0];

  const now = () => Math.floor(Date.now() / 1000);

  it('makes the saved bank account unusable before answering 200, once per event', async () => {
    const customerId = unique('cust');
    const saved = await savePaymentMethod(customerId, 'us_bank_account');
    const eventId = unique('evt');
    const payload = mandateEvent(eventId, saved.mandate!.id, 'inactive', now() - 5);

    const first = await deliverWebhook(payload);
    const second = await deliverWebhook(payload);

    expect(first).toEqual({ status: 200, body: { received: true, duplicate: false } });
    expect(second.body.duplicate).toBe(true);
    expect(await inboxRow(eventId)).toMatchObject({ status: 'handled' });
    const listed = (await request('GET', `/v1/customers/${customerId}/payment-methods`)).body.data[0];
    expect(listed).toMatchObject({
      status: 'unusable',
      unusableReason: 'mandate_inactive',
      mandate: { status: 'inactive' },
    });
  });

  it('never moves a mandate back (a late active after inactive), and ignores a mandate no saved method has', async () => {
    const customerId = unique('cust');
    const saved = await savePaymentMethod(customerId, 'us_bank_account');
    const newer = unique('evt');
    const older = unique('evt');
    const unknown = unique('evt');

    await deliverWebhook(mandateEvent(newer, saved.mandate!.id, 'inactive', now() - 30));
    // Sent earlier by Stripe, delivered later; its time is no guide (Stripe's clock is not this database's).
    await deliverWebhook(mandateEvent(older, saved.mandate!.id, 'active', now() + 30));
    await deliverWebhook(mandateEvent(unknown, 'mandate_nobody_has_this', 'inactive', now()));

    expect((await inboxRow(newer)).status).toBe('handled');
    expect(await inboxRow(older)).toMatchObject({
      status: 'ignored',
      last_error: expect.stringContaining('before active'),
    });
    expect((await inboxRow(unknown)).status).toBe('ignored');
    expect(await findSavedPaymentMethod(harness.db, saved.paymentMethodId)).toMatchObject({
      status: 'unusable',
      mandate: { status: 'inactive' },
    });
  });
});
