import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { classifyStripeError, microdepositErrorOutcome } from '../../activities/common/classify-stripe-error.js';
import { FailureTypes } from '../../workflows/booking/contract.js';

const raw = (type: string, extra: Record<string, unknown> = {}) => ({ type, message: 'from Stripe', ...extra });

describe('Stripe error classification', () => {
  it('turns a card decline into a non-retryable CardDeclined failure with the decline code', () => {
    const error = Stripe.errors.StripeError.generate(
      raw('card_error', {
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        payment_intent: { id: 'pi_1' },
      }) as never,
    );
    const failure = classifyStripeError(error);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe(FailureTypes.CardDeclined);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).details?.[0]).toMatchObject({
      paymentIntentId: 'pi_1',
      declineCode: 'insufficient_funds',
    });
  });

  it('stops on invalid requests, authentication errors and reused idempotency keys', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [raw('invalid_request_error', { statusCode: 400 }), FailureTypes.StripeInvalidRequest],
      [raw('authentication_error'), FailureTypes.StripeAuthentication],
      [raw('idempotency_error', { statusCode: 400 }), FailureTypes.IdempotencyConflict],
    ];
    for (const [input, type] of cases) {
      const failure = classifyStripeError(Stripe.errors.StripeError.generate(input as never)) as ApplicationFailure;
      expect(failure.type).toBe(type);
      expect(failure.nonRetryable).toBe(true);
    }
  });

  it('leaves rate limits, server errors, lock conflicts and network errors to be retried', () => {
    const retryable = [
      Stripe.errors.StripeError.generate(raw('api_error', { statusCode: 500 }) as never),
      new Stripe.errors.StripeRateLimitError(raw('rate_limit_error', { statusCode: 429 }) as never),
      Stripe.errors.StripeError.generate(raw('idempotency_error', { statusCode: 409 }) as never),
      new Stripe.errors.StripeConnectionError(raw('api_connection_error') as never),
      new Error('socket hang up'),
    ];
    for (const error of retryable) {
      expect(classifyStripeError(error)).toBe(error);
    }
  });

  it("reads Stripe's microdeposit answers as outcomes, and nothing else as one", () => {
    const outcome = (code: string) =>
      microdepositErrorOutcome(
        Stripe.errors.StripeError.generate(raw('invalid_request_error', { code, statusCode: 400 }) as never),
      );
    expect(outcome('payment_method_microdeposit_verification_amounts_mismatch')).toBe('mismatch');
    expect(outcome('payment_method_microdeposit_verification_descriptor_code_mismatch')).toBe('mismatch');
    expect(outcome('payment_method_microdeposit_verification_attempts_exceeded')).toBe('attempts_exceeded');
    expect(outcome('payment_method_microdeposit_verification_timeout')).toBe('expired');
    expect(outcome('resource_missing')).toBeNull();
    expect(microdepositErrorOutcome(new Error('socket hang up'))).toBeNull();
  });
  it('makes a 5xx on a write an unknown outcome to read, not a retry under the key that Stripe would answer with the same 5xx', () => {
    const serverError = () => Stripe.errors.StripeError.generate(raw('api_error', { statusCode: 500 }) as never);
    const unknown = classifyStripeError(serverError(), { outcomeUnknown: true });
    expect(unknown).toBeInstanceOf(ApplicationFailure);
    expect((unknown as ApplicationFailure).type).toBe(FailureTypes.StripeOutcomeUnknown);
    expect((unknown as ApplicationFailure).nonRetryable).toBe(true);
    // Without it (reads, histories from before the patch) a 5xx stays retryable.
    expect(classifyStripeError(serverError())).toBeInstanceOf(Stripe.errors.StripeAPIError);
  });
});
