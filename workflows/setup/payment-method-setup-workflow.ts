/**
 * One workflow per saved payment method (`payment-method-setup-<setupId>`): creates the SetupIntent
 * (`usage: off_session`), follows it through the states the customer drives with Stripe.js
 * (3-D Secure, microdeposits for bank accounts, retries after a failure), and on success records
 * the payment method and its mandate against the customer. Cancels the SetupIntent when the
 * customer does not finish in time. Deterministic: every side effect is an activity.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { SetupIntentSnapshot } from '../../activities/setup/setup-intent-snapshot.js';
import { stripeReads, stripeWrites } from '../common/activity-stubs.js';
import {
  FailureTypes,
  MAX_REMEMBERED_EVENT_IDS,
  MICRODEPOSIT_ATTEMPTS,
  MICRODEPOSIT_VALIDITY_SECONDS,
  stripeEventSignal,
  type StripeEventSignal,
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
import { SETUP_SEARCH_ATTRIBUTES_PATCH, setupSearchAttributes, upsertChangedSearchAttributes } from '../booking/search-attribute-sync.js';
import { describeSetup } from './setup-story.js';
import { StepGuard } from '../common/step-guard.js';
import { StripeWrites, ensureStripeCustomer, microdepositOutcome } from '../common/stripe-write.js';
import { checkMicrodepositsFit, validateMicrodepositsRequest } from '../booking/update-validators.js';

/** SetupIntent states in which the customer still has something to do. */
const WAITING_ON_CUSTOMER: SetupStatus[] = ['requires_payment_method', 'requires_confirmation', 'requires_action'];

/** The setup workflow; returns the setup's final state. */
export async function paymentMethodSetupWorkflow(input: PaymentMethodSetupInput): Promise<PaymentMethodSetupState> {
  const state = initialSetupState(input, new Date());
  const events: StripeEventSignal[] = [];
  const seen = new Set<string>();
  const guard = new StepGuard('setup');
  const writes = new StripeWrites(() => (state.stripeWrites ??= {}));
  let cancelRequested = false;
  let verificationInFlight = false;
  let verificationsSubmitted = 0;

  const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
  const due = () => state.deadline !== null && Date.now() >= new Date(state.deadline).getTime();
  /** Shows where the setup stands: current details, and the search attributes that changed. */
  const publish = () => {
    setCurrentDetails(describeSetup(state));
    upsertChangedSearchAttributes(SETUP_SEARCH_ATTRIBUTES_PATCH, setupSearchAttributes(state));
  };
  const touch = () => {
    state.updatedAt = new Date().toISOString();
    publish();
  };
  const finish = (status: SetupStatus, reason: string | null) => {
    state.status = status;
    state.reason = reason;
    state.deadline = null;
    state.microdeposits = null;
    state.done = true;
    touch();
  };

  /** Records the saved payment method; the SetupIntent succeeded, so this cannot be undone. */
  const recordSaved = async () => {
    const kind = state.type === 'card' ? 'card' : 'bank account';
    state.saved = await stripeWrites(`record saved ${kind} ${state.paymentMethodId ?? ''} of ${state.customerId}`).recordSavedPaymentMethod({
      setupId: state.setupId,
      customerId: state.customerId,
      setupIntentId: state.setupIntentId!,
    });
    finish('succeeded', null);
  };

  /** Applies a fresh read of the SetupIntent: Stripe's word, never trusted from an event alone. */
  const applySnapshot = (snapshot: SetupIntentSnapshot) => {
    if (snapshot.paymentMethodId) state.paymentMethodId = snapshot.paymentMethodId;
    switch (snapshot.status) {
      case 'succeeded':
        // Recorded by the main loop, so an outage while recording is retried like any other step.
        state.microdeposits = null;
        state.deadline = null;
        state.reason = 'saving the payment method';
        break;
      case 'canceled':
        finish('canceled', cancelRequested ? 'setup cancelled' : (state.reason ?? 'the SetupIntent was cancelled'));
        return;
      case 'requires_action':
        if (snapshot.microdeposits && !state.microdeposits) {
          const type = snapshot.microdeposits.type;
          state.microdeposits = {
            type,
            arrivalDate: snapshot.microdeposits.arrivalDate,
            hostedVerificationUrl: snapshot.microdeposits.hostedVerificationUrl,
            attemptsRemaining: MICRODEPOSIT_ATTEMPTS[type],
            expiresAt: inSeconds(MICRODEPOSIT_VALIDITY_SECONDS),
          };
          state.deadline = state.microdeposits.expiresAt;
          state.reason = 'waiting for the customer to confirm the microdeposits';
        } else if (!snapshot.microdeposits) {
          state.reason = 'waiting for the customer to complete 3-D Secure';
        }
        break;
      case 'requires_payment_method':
        if (snapshot.lastErrorCode && snapshot.lastErrorCode !== state.failureCode) {
          // A failed attempt: the customer may try again on the same SetupIntent, with a fresh deadline.
          state.failureCode = snapshot.lastErrorCode;
          state.microdeposits = null;
          state.deadline = inSeconds(input.policy.completionTimeoutSeconds);
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
    touch();
  };

  const cancelSetupIntent = async (reason: string) => {
    state.reason = reason;
    const setupIntentId = state.setupIntentId!;
    const snapshot = await writes.run({
      operation: `cancel:${setupIntentId}`,
      send: (writeAttempt) =>
        stripeWrites(`cancel SetupIntent ${setupIntentId}: ${reason}`).cancelSetupIntent({
          setupId: state.setupId,
          setupIntentId,
          ...(writeAttempt !== undefined && { writeAttempt }),
        }),
      resolve: async () => {
        const current = await stripeReads(`read SetupIntent ${setupIntentId}: was it cancelled?`).readSetupIntent(setupIntentId);
        // A SetupIntent that succeeded meanwhile cannot be cancelled: that is the answer too.
        return current.status === 'canceled' || current.status === 'succeeded' ? current : null;
      },
    });
    // Stripe refuses to cancel a SetupIntent that succeeded meanwhile: then the method is saved after all.
    applySnapshot(snapshot);
    if (recordDue()) await recordSaved();
    else if (!state.done) finish('canceled', reason);
  };

  // Descriptions show in the Web UI and `temporal workflow metadata` next to each handler.
  setHandler(
    stripeEventSignal,
    (event) => {
      if (seen.has(event.eventId)) return;
      seen.add(event.eventId);
      state.seenEventIds.push(event.eventId);
      if (state.seenEventIds.length > MAX_REMEMBERED_EVENT_IDS) seen.delete(state.seenEventIds.shift()!);
      events.push(event);
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
      if (!state.done) cancelRequested = true;
      await condition(() => state.done);
      return state;
    },
    { description: 'Abandon the setup: cancels the SetupIntent unless it already succeeded' },
  );

  setHandler(
    verifySetupMicrodepositsUpdate,
    async (request): Promise<SetupMicrodepositOutcome> => {
      const microdeposits = state.microdeposits!;
      verificationInFlight = true;
      verificationsSubmitted += 1;
      // Counted before the call: Stripe never sees more attempts than it allows.
      microdeposits.attemptsRemaining -= 1;
      touch();
      try {
        const total = MICRODEPOSIT_ATTEMPTS[microdeposits.type];
        const summary = `verify the microdeposits of SetupIntent ${state.setupIntentId} (attempt ${verificationsSubmitted} of ${total})`;
        const setupIntentId = state.setupIntentId!;
        const attemptNumber = verificationsSubmitted;
        const check = await writes.run({
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
              await stripeReads(`read SetupIntent ${setupIntentId}: were the microdeposits checked?`).readSetupIntent(setupIntentId),
            ),
        });
        if (check.result === 'mismatch' && microdeposits.attemptsRemaining === 0) {
          applySnapshot(await stripeReads(`read SetupIntent ${state.setupIntentId} after the last attempt`).readSetupIntent(state.setupIntentId!));
          return { result: 'attempts_exceeded', attemptsRemaining: 0, setup: state };
        }
        if (check.snapshot) applySnapshot(check.snapshot);
        // A verified account is saved by the main loop: answer once it is recorded.
        if (state.status === 'succeeded') await condition(() => state.done);
        const attemptsRemaining = check.result === 'mismatch' ? microdeposits.attemptsRemaining : 0;
        return { result: check.result, attemptsRemaining, setup: state };
      } finally {
        verificationInFlight = false;
      }
    },
    {
      description: "The customer's microdeposit values for the bank account being saved; answers with Stripe's verdict",
      validator: (request: VerifyMicrodepositsRequest) => checkMicrodepositAttempt(request),
    },
  );

  function checkMicrodepositAttempt(request: VerifyMicrodepositsRequest): void {
    validateMicrodepositsRequest(request);
    const microdeposits = state.microdeposits;
    if (state.status !== 'requires_action' || !microdeposits || verificationInFlight || cancelRequested || state.done) {
      throw ApplicationFailure.nonRetryable(
        `setup is not waiting for microdeposits (it is ${state.status})`,
        FailureTypes.NotAwaitingVerification,
      );
    }
    checkMicrodepositsFit(microdeposits, request);
  }

  publish();
  // Create the SetupIntent; a refusal by Stripe ends the setup, an outage is retried by the activity.
  try {
    const stripeCustomerId = await ensureStripeCustomer(writes, input.customer);
    state.stripeCustomerId = stripeCustomerId;
    const kind = input.type === 'card' ? 'a card' : 'a US bank account';
    const created = await writes.run({
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
      resolve: () => stripeReads(`find the SetupIntent of setup ${state.setupId}`).findSetupIntent({ setupId: state.setupId, stripeCustomerId }),
    });
    state.setupIntentId = created.setupIntentId;
    state.deadline = inSeconds(input.policy.completionTimeoutSeconds);
    applySnapshot(created);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    log.error('setup intent creation failed', { setupId: state.setupId, error: String(error.cause ?? error) });
    const failure = error.cause;
    state.failureCode = failure instanceof ApplicationFailure ? (failure.type ?? null) : null;
    finish('canceled', 'Stripe did not create the SetupIntent');
  }

  const recordDue = () => state.status === 'succeeded' && !state.done;
  const ready = () =>
    recordDue() ||
    events.length > 0 ||
    (cancelRequested && !verificationInFlight) ||
    due() ||
    guard.retryReady() === true;

  while (!state.done) {
    if (!ready()) {
      const wakes = [state.deadline ? new Date(state.deadline).getTime() : null, guard.retryWake()?.at ?? null].filter(
        (at): at is number => at !== null,
      );
      const wakeAt = wakes.length > 0 ? Math.min(...wakes) : null;
      const summary = state.microdeposits ? 'microdeposit verification deadline' : 'setup completion deadline';
      // An update may move the deadline (a failed verification gives a fresh one): wake to re-arm the timer.
      const deadlineWaitedFor = state.deadline;
      const wake = () => ready() || state.deadline !== deadlineWaitedFor;
      if (wakeAt === null) await condition(wake);
      else await condition(wake, Math.max(wakeAt - Date.now(), 1), { summary });
    }
    if (!ready()) continue;
    await guard.run(state.status, async () => {
      if (recordDue()) {
        await recordSaved();
        return;
      }
      if (cancelRequested) {
        await cancelSetupIntent('setup cancelled');
        return;
      }
      events.splice(0, events.length);
      applySnapshot(await stripeReads(`read SetupIntent ${state.setupIntentId}`).readSetupIntent(state.setupIntentId!));
      if (state.done || !due()) return;
      if (WAITING_ON_CUSTOMER.includes(state.status)) {
        if (state.microdeposits) state.failureCode = 'payment_method_microdeposit_verification_timeout';
        await cancelSetupIntent(
          state.microdeposits
            ? 'the microdeposits were not verified within 10 days'
            : 'the customer did not finish saving the payment method in time',
        );
      } else {
        // Processing: Stripe decides; ask again later.
        state.deadline = inSeconds(input.policy.completionTimeoutSeconds);
        touch();
      }
    });
  }

  await condition(allHandlersFinished);
  return state;
}
