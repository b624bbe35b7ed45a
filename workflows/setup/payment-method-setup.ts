/**
 * The steps of saving one payment method: create the SetupIntent, follow it through the states the
 * customer drives with Stripe.js, record the saved method, or cancel the SetupIntent when the
 * customer does not finish in time. Driven by the setup workflow. Deterministic: workflow code only.
 */
import { ActivityFailure, ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import type { SetupIntentSnapshot } from '../../activities/setup/setup-intent-snapshot.js';
import { stripeReads, stripeWrites } from '../common/activity-stubs.js';
import {
  FailureTypes,
  MICRODEPOSIT_ATTEMPTS,
  stripeEventSignal,
  type VerifyMicrodepositsRequest,
} from '../booking/contract.js';
import {
  cancelSetupUpdate,
  initialSetupState,
  setupIntentReadyUpdate,
  setupStateQuery,
  verifySetupMicrodepositsUpdate,
  type PaymentMethodSetupInput,
  type PaymentMethodSetupState,
  type SetupMicrodepositOutcome,
  type SetupStatus,
} from './contract.js';
import { SETUP_SEARCH_ATTRIBUTES_PATCH, setupSearchAttributes } from '../booking/search-attribute-sync.js';
import { describeSetup } from './setup-story.js';
import { startMicrodeposits } from '../common/microdeposits.js';
import { StepGuard } from '../common/step-guard.js';
import { ensureStripeCustomer, microdepositOutcome } from '../common/stripe-write.js';
import { WorkflowContext } from '../common/workflow-context.js';
import { checkMicrodepositsFit, validateMicrodepositsRequest } from '../booking/update-validators.js';

/** SetupIntent states in which the customer still has something to do. */
const WAITING_ON_CUSTOMER: SetupStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();

/** The setup's shared context: its state published to ops, its Stripe writes, and the events it received. */
class SetupContext extends WorkflowContext<PaymentMethodSetupState> {
  /** Whether a Stripe event is waiting. */
  hasEvents(): boolean {
    return this.events.length > 0;
  }

  /** Forgets the waiting events: the next read of the SetupIntent answers them all. */
  discardEvents(): void {
    this.events.splice(0, this.events.length);
  }
}

/** One payment-method setup: its state, its handlers and its steps. */
export class PaymentMethodSetup {
  readonly ctx: SetupContext;
  private readonly guard = new StepGuard('setup');
  private cancelRequested = false;
  private verificationInFlight = false;
  private verificationsSubmitted = 0;

  constructor(private readonly input: PaymentMethodSetupInput) {
    this.ctx = new SetupContext(initialSetupState(input, new Date()), {
      describe: describeSetup,
      searchAttributes: setupSearchAttributes,
      searchAttributesPatch: SETUP_SEARCH_ATTRIBUTES_PATCH,
    });
  }

  get state(): PaymentMethodSetupState {
    return this.ctx.state;
  }

  /** Registers the setup's signal, query and updates. */
  registerHandlers(): void {
    const { state } = this;
    // Descriptions show in the Web UI and `temporal workflow metadata` next to each handler.
    setHandler(
      stripeEventSignal,
      (event) => {
        this.ctx.receiveEvent(event);
      },
      { description: "A Stripe event about this setup's SetupIntent, relayed from the webhook inbox" },
    );
    setHandler(setupStateQuery, () => state, {
      description: "The setup's state: SetupIntent status, microdeposits, deadline, the saved payment method, reasons",
    });
    setHandler(
      setupIntentReadyUpdate,
      async () => {
        await condition(() => state.setupIntentId !== null || state.done);
        return state;
      },
      { description: 'Answers once Stripe has the SetupIntent (or the setup ended without one)' },
    );
    setHandler(
      cancelSetupUpdate,
      async () => {
        if (!state.done) this.cancelRequested = true;
        await condition(() => state.done);
        return state;
      },
      { description: 'Abandon the setup: cancels the SetupIntent unless it already succeeded' },
    );
    setHandler(verifySetupMicrodepositsUpdate, (request) => this.verifyMicrodeposits(request), {
      description: "The customer's microdeposit values for the bank account being saved; answers with Stripe's verdict",
      validator: (request: VerifyMicrodepositsRequest) => this.checkMicrodepositAttempt(request),
    });
  }

  /** Creates the SetupIntent; a refusal by Stripe ends the setup, an outage is retried by the activity. */
  async createSetupIntent(): Promise<void> {
    const { state, input } = this;
    try {
      const stripeCustomerId = await ensureStripeCustomer(this.ctx.writes, input.customer);
      state.stripeCustomerId = stripeCustomerId;
      const kind = input.type === 'card' ? 'a card' : 'a US bank account';
      const created = await this.ctx.writes.run({
        operation: 'setup-create',
        send: (writeAttempt) =>
          stripeWrites(`create the SetupIntent that saves ${kind}`).createSetupIntent({
            setupId: state.setupId,
            customerId: state.customerId,
            stripeCustomerId,
            type: input.type,
            verification: input.verification,
            ...(writeAttempt !== undefined && { writeAttempt }),
          }),
        resolve: () =>
          stripeReads(`find the SetupIntent of setup ${state.setupId}`).findSetupIntent({
            setupId: state.setupId,
            stripeCustomerId,
          }),
      });
      state.setupIntentId = created.setupIntentId;
      state.deadline = inSeconds(input.policy.completionTimeoutSeconds);
      this.applySnapshot(created);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.error('setup intent creation failed', { setupId: state.setupId, error: String(error.cause ?? error) });
      const failure = error.cause;
      state.failureCode = failure instanceof ApplicationFailure ? (failure.type ?? null) : null;
      this.finish('canceled', 'Stripe did not create the SetupIntent');
    }
  }

  /** Follows the SetupIntent until the setup is done: on events, requests and its deadline. */
  async followUntilDone(): Promise<void> {
    while (!this.state.done) {
      if (!this.ready()) await this.waitForWork();
      if (!this.ready()) continue;
      await this.guard.run(this.state.status, () => this.step());
    }
  }

  /** Waits until something is ready, the deadline (or an outage retry) is reached, or an update moves the deadline. */
  private async waitForWork(): Promise<void> {
    const { state } = this;
    const wakes = [
      state.deadline ? new Date(state.deadline).getTime() : null,
      this.guard.retryWake()?.at ?? null,
    ].filter((at): at is number => at !== null);
    const wakeAt = wakes.length > 0 ? Math.min(...wakes) : null;
    const summary = state.microdeposits ? 'microdeposit verification deadline' : 'setup completion deadline';
    // An update may move the deadline (a failed verification gives a fresh one): wake to re-arm the timer.
    const deadlineWaitedFor = state.deadline;
    const wake = () => this.ready() || state.deadline !== deadlineWaitedFor;
    if (wakeAt === null) await condition(wake);
    else await condition(wake, Math.max(wakeAt - Date.now(), 1), { summary });
  }

  /** Records a succeeded setup, cancels a cancelled one, else asks Stripe and gives up at the deadline. */
  private async step(): Promise<void> {
    const { state } = this;
    if (this.recordDue()) {
      await this.recordSaved();
      return;
    }
    if (this.cancelRequested) {
      await this.cancelSetupIntent('setup cancelled');
      return;
    }
    this.ctx.discardEvents();
    this.applySnapshot(
      await stripeReads(`read SetupIntent ${state.setupIntentId}`).readSetupIntent(state.setupIntentId!),
    );
    if (state.done || !this.due()) return;
    if (WAITING_ON_CUSTOMER.includes(state.status)) {
      if (state.microdeposits) state.failureCode = 'payment_method_microdeposit_verification_timeout';
      await this.cancelSetupIntent(
        state.microdeposits
          ? 'the microdeposits were not verified within 10 days'
          : 'the customer did not finish saving the payment method in time',
      );
    } else {
      // Processing: Stripe decides; ask again later.
      state.deadline = inSeconds(this.input.policy.completionTimeoutSeconds);
      this.ctx.touch();
    }
  }

  private ready(): boolean {
    return (
      this.recordDue() ||
      this.ctx.hasEvents() ||
      (this.cancelRequested && !this.verificationInFlight) ||
      this.due() ||
      this.guard.retryReady() === true
    );
  }

  private due(): boolean {
    return this.state.deadline !== null && Date.now() >= new Date(this.state.deadline).getTime();
  }

  /** Whether the SetupIntent succeeded and the saved payment method is still to be recorded. */
  private recordDue(): boolean {
    return this.state.status === 'succeeded' && !this.state.done;
  }

  private finish(status: SetupStatus, reason: string | null): void {
    const { state } = this;
    state.status = status;
    state.reason = reason;
    state.deadline = null;
    state.microdeposits = null;
    state.done = true;
    this.ctx.touch();
  }

  /** Records the saved payment method; the SetupIntent succeeded, so this cannot be undone. */
  private async recordSaved(): Promise<void> {
    const { state } = this;
    const kind = state.type === 'card' ? 'card' : 'bank account';
    state.saved = await stripeWrites(
      `record saved ${kind} ${state.paymentMethodId ?? ''} of ${state.customerId}`,
    ).recordSavedPaymentMethod({
      setupId: state.setupId,
      customerId: state.customerId,
      setupIntentId: state.setupIntentId!,
    });
    this.finish('succeeded', null);
  }

  /** Applies a fresh read of the SetupIntent: Stripe's word, never trusted from an event alone. */
  private applySnapshot(snapshot: SetupIntentSnapshot): void {
    const { state } = this;
    if (snapshot.paymentMethodId) state.paymentMethodId = snapshot.paymentMethodId;
    switch (snapshot.status) {
      case 'succeeded':
        // Recorded by the main loop, so an outage while recording is retried like any other step.
        state.microdeposits = null;
        state.deadline = null;
        state.reason = 'saving the payment method';
        break;
      case 'canceled':
        this.finish(
          'canceled',
          this.cancelRequested ? 'setup cancelled' : (state.reason ?? 'the SetupIntent was cancelled'),
        );
        return;
      case 'requires_action':
        this.applyRequiredAction(snapshot);
        break;
      case 'requires_payment_method':
        if (snapshot.lastErrorCode && snapshot.lastErrorCode !== state.failureCode) {
          // A failed attempt: the customer may try again on the same SetupIntent, with a fresh deadline.
          state.failureCode = snapshot.lastErrorCode;
          state.microdeposits = null;
          state.deadline = inSeconds(this.input.policy.completionTimeoutSeconds);
          state.reason = 'the last attempt failed; waiting for another payment method';
        }
        break;
      case 'processing':
        state.reason = 'Stripe is processing the setup';
        break;
      default:
        break;
    }
    state.status = snapshot.status;
    this.ctx.touch();
  }

  /** The customer has something to do: confirm the microdeposits (with their deadline) or complete 3-D Secure. */
  private applyRequiredAction(snapshot: SetupIntentSnapshot): void {
    const { state } = this;
    if (snapshot.microdeposits && !state.microdeposits) {
      state.microdeposits = startMicrodeposits(snapshot.microdeposits);
      state.deadline = state.microdeposits.expiresAt;
      state.reason = 'waiting for the customer to confirm the microdeposits';
    } else if (!snapshot.microdeposits) {
      state.reason = 'waiting for the customer to complete 3-D Secure';
    }
  }

  /** Cancels the SetupIntent, unless it succeeded meanwhile: then the payment method is saved after all. */
  private async cancelSetupIntent(reason: string): Promise<void> {
    const { state } = this;
    state.reason = reason;
    const setupIntentId = state.setupIntentId!;
    const snapshot = await this.ctx.writes.run({
      operation: `cancel:${setupIntentId}`,
      send: (writeAttempt) =>
        stripeWrites(`cancel SetupIntent ${setupIntentId}: ${reason}`).cancelSetupIntent({
          setupId: state.setupId,
          setupIntentId,
          ...(writeAttempt !== undefined && { writeAttempt }),
        }),
      resolve: async () => {
        const current = await stripeReads(`read SetupIntent ${setupIntentId}: was it cancelled?`).readSetupIntent(
          setupIntentId,
        );
        // A SetupIntent that succeeded meanwhile cannot be cancelled: that is the answer too.
        return current.status === 'canceled' || current.status === 'succeeded' ? current : null;
      },
    });
    // Stripe refuses to cancel a SetupIntent that succeeded meanwhile: then the method is saved after all.
    this.applySnapshot(snapshot);
    if (this.recordDue()) await this.recordSaved();
    else if (!state.done) this.finish('canceled', reason);
  }

  /** Throws a typed failure when a microdeposit attempt cannot be taken now. */
  private checkMicrodepositAttempt(request: VerifyMicrodepositsRequest): void {
    const { state } = this;
    validateMicrodepositsRequest(request);
    const microdeposits = state.microdeposits;
    if (
      state.status !== 'requires_action' ||
      !microdeposits ||
      this.verificationInFlight ||
      this.cancelRequested ||
      state.done
    ) {
      throw ApplicationFailure.nonRetryable(
        `setup is not waiting for microdeposits (it is ${state.status})`,
        FailureTypes.NotAwaitingVerification,
      );
    }
    checkMicrodepositsFit(microdeposits, request);
  }

  /** Submits one microdeposit attempt to Stripe and applies the answer; a verified account is answered once saved. */
  private async verifyMicrodeposits(request: VerifyMicrodepositsRequest): Promise<SetupMicrodepositOutcome> {
    const { state } = this;
    const microdeposits = state.microdeposits!;
    this.verificationInFlight = true;
    this.verificationsSubmitted += 1;
    // Counted before the call: Stripe never sees more attempts than it allows.
    microdeposits.attemptsRemaining -= 1;
    this.ctx.touch();
    try {
      const total = MICRODEPOSIT_ATTEMPTS[microdeposits.type];
      const summary = `verify the microdeposits of SetupIntent ${state.setupIntentId} (attempt ${this.verificationsSubmitted} of ${total})`;
      const setupIntentId = state.setupIntentId!;
      const attemptNumber = this.verificationsSubmitted;
      const check = await this.ctx.writes.run({
        operation: `verify:${attemptNumber}`,
        send: (writeAttempt) =>
          stripeWrites(summary).verifySetupMicrodeposits({
            setupId: state.setupId,
            setupIntentId,
            attemptNumber,
            descriptorCode: request.descriptorCode,
            amounts: request.amounts,
            ...(writeAttempt !== undefined && { writeAttempt }),
          }),
        resolve: async () =>
          microdepositOutcome(
            await stripeReads(`read SetupIntent ${setupIntentId}: were the microdeposits checked?`).readSetupIntent(
              setupIntentId,
            ),
          ),
      });
      if (check.result === 'mismatch' && microdeposits.attemptsRemaining === 0) {
        this.applySnapshot(
          await stripeReads(`read SetupIntent ${state.setupIntentId} after the last attempt`).readSetupIntent(
            state.setupIntentId!,
          ),
        );
        return { result: 'attempts_exceeded', attemptsRemaining: 0, setup: state };
      }
      if (check.snapshot) this.applySnapshot(check.snapshot);
      // A verified account is saved by the main loop: answer once it is recorded.
      if (state.status === 'succeeded') await condition(() => state.done);
      const attemptsRemaining = check.result === 'mismatch' ? microdeposits.attemptsRemaining : 0;
      return { result: check.result, attemptsRemaining, setup: state };
    } finally {
      this.verificationInFlight = false;
    }
  }
}
