/**
 * The calls the API sends to Temporal that Temporal Cloud bills as actions, counted as they are
 * made: workflow starts, signals (the relay's), queries (`GET` views) and updates. Temporal Cloud
 * bills one action per start, signal, query and update (accepted or rejected), see
 * https://docs.temporal.io/cloud/actions; describes, cancels and terminations cost none. What a
 * workflow does itself (activities, timers, search-attribute upserts) is in its history, not here.
 */
import type { WorkflowClientInterceptor } from '@temporalio/client';

/** The kinds of billable call the API makes. */
export const TEMPORAL_CALLS = ['start', 'signal', 'signal_with_start', 'query', 'update', 'update_with_start'] as const;
export type TemporalCall = (typeof TEMPORAL_CALLS)[number];

/** Whether Temporal took the call (`ok`) or refused it (`error`: an action only for a rejected update). */
export type TemporalCallOutcome = 'ok' | 'error';

/** Where the counts go (the API's metrics). */
export interface TemporalCallCounter {
  countTemporalCall(call: TemporalCall, outcome: TemporalCallOutcome): void;
}

/** A client interceptor that counts each billable call once, after Temporal has answered it. */
export function billableCallsInterceptor(counter: TemporalCallCounter): WorkflowClientInterceptor {
  async function counted<T>(call: TemporalCall, sent: Promise<T>): Promise<T> {
    try {
      const answer = await sent;
      counter.countTemporalCall(call, 'ok');
      return answer;
    } catch (error) {
      counter.countTemporalCall(call, 'error');
      throw error;
    }
  }
  return {
    startWithDetails: (input, next) => counted('start', next(input)),
    signal: (input, next) => counted('signal', next(input)),
    signalWithStart: (input, next) => counted('signal_with_start', next(input)),
    query: (input, next) => counted('query', next(input)),
    startUpdate: (input, next) => counted('update', next(input)),
    startUpdateWithStart: (input, next) => counted('update_with_start', next(input)),
  };
}
