/**
 * One workflow per saved payment method (`payment-method-setup-<setupId>`): creates the SetupIntent
 * (`usage: off_session`), follows it through the states the customer drives with Stripe.js
 * (3-D Secure, microdeposits for bank accounts, retries after a failure), and on success records
 * the payment method and its mandate against the customer. Cancels the SetupIntent when the
 * customer does not finish in time. Deterministic: every side effect is an activity.
 */
import { allHandlersFinished, condition } from '@temporalio/workflow';
import type { PaymentMethodSetupInput, PaymentMethodSetupState } from './contract.js';
import { PaymentMethodSetup } from './payment-method-setup.js';

/** The setup workflow; returns the setup's final state. */
export async function paymentMethodSetupWorkflow(input: PaymentMethodSetupInput): Promise<PaymentMethodSetupState> {
  const setup = new PaymentMethodSetup(input);
  setup.registerHandlers();
  setup.ctx.publish();
  await setup.createSetupIntent();
  await setup.followUntilDone();
  await condition(allHandlersFinished);
  return setup.state;
}
