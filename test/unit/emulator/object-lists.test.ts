/** The list endpoints a workflow reads to learn whether a write whose answer it lost happened. */
import { describe, expect, it } from 'vitest';
import { holdParams, useRunningEmulator } from '../../../harness/running-emulator.js';

const running = useRunningEmulator();

describe('object lists', () => {
  it("lists a customer's PaymentIntents newest first, and customers by email", async () => {
    const customer = await running.stripe.customers.create({
      email: 'lists@example.com',
      metadata: { customer_id: 'c-lists' },
    });
    await running.stripe.customers.create({ email: 'other@example.com' });
    const first = await running.stripe.paymentIntents.create({ ...holdParams('bk-list-1'), customer: customer.id });
    const second = await running.stripe.paymentIntents.create({ ...holdParams('bk-list-2'), customer: customer.id });
    await running.stripe.paymentIntents.create(holdParams('bk-list-other'));

    const listed = await running.stripe.paymentIntents.list({ customer: customer.id });
    expect(listed.data.map((paymentIntent) => [paymentIntent.id, paymentIntent.metadata.booking_id])).toEqual([
      [second.id, 'bk-list-2'],
      [first.id, 'bk-list-1'],
    ]);
    const page = await running.stripe.paymentIntents.list({ customer: customer.id, limit: 1 });
    expect(page).toMatchObject({ object: 'list', has_more: true, url: '/v1/payment_intents' });
    const byEmail = await running.stripe.customers.list({ email: 'lists@example.com' });
    expect(byEmail.data.map((listed) => listed.id)).toEqual([customer.id]);
  });

  it("lists a PaymentIntent's refunds and a customer's SetupIntents", async () => {
    const customer = await running.stripe.customers.create({ email: 'refunds@example.com' });
    const held = await running.stripe.paymentIntents.create({
      ...holdParams('bk-refund-list'),
      capture_method: 'automatic',
    });
    const refund = await running.stripe.refunds.create({ payment_intent: held.id, amount: 40 });
    expect(
      (await running.stripe.refunds.list({ payment_intent: held.id })).data.map((listed) => [listed.id, listed.amount]),
    ).toEqual([[refund.id, 40]]);
    const setupIntent = await running.stripe.setupIntents.create({
      customer: customer.id,
      metadata: { setup_id: 'setup-list' },
    });
    const setups = await running.stripe.setupIntents.list({ customer: customer.id });
    expect(setups.data.map((listed) => [listed.id, listed.metadata?.setup_id])).toEqual([
      [setupIntent.id, 'setup-list'],
    ]);
  });

  it('refuses a list filter it does not know, as Stripe does', async () => {
    const refused = await running.stripeRequest('GET', '/v1/refunds?nonsense=1');
    expect(refused.status).toBe(400);
    expect((await refused.json()).error).toMatchObject({ code: 'parameter_unknown' });
  });
});
