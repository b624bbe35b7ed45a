/**
 * Runs a lifecycle's steps so that a Stripe outage lasting past an activity's retry window
 * postpones the step (and makes the next one ask Stripe again) instead of failing the booking.
 */
import { ActivityFailure, log } from '@temporalio/workflow';
import type { StepRetryState } from '../booking/contract.js';

/** Pause before asking Stripe again after its calls failed for longer than their retry window. */
const STRIPE_OUTAGE_RETRY_MS = 60 * 60 * 1000;

/** Outage handling and in-flight tracking of one lifecycle (the hold, the payment). */
export class StepGuard {
  /** True while a step is running (activities in flight). */
  inFlight = false;

  /**
   * `retries` is where the pending retry is kept: in the workflow's state when it must survive
   * continue-as-new (the booking), else a private object.
   */
  constructor(
    private readonly part: string,
    private readonly retries: () => StepRetryState = privateRetryState(),
  ) {}

  /** True when the next step must re-read Stripe because an earlier call was lost. */
  get recheck(): boolean {
    return this.retries().recheck;
  }

  /** While a retry is pending: whether it is due; undefined when no retry is pending. */
  retryReady(): boolean | undefined {
    const { retryAt, recheck } = this.retries();
    if (retryAt !== null) return Date.now() >= retryAt;
    return recheck ? true : undefined;
  }

  /** The pending retry's deadline, if any. */
  retryWake(): { at: number; summary: string } | null {
    const { retryAt } = this.retries();
    return retryAt === null ? null : { at: retryAt, summary: 'ask Stripe again after an outage' };
  }

  /** Runs one step; an activity that failed for good schedules a retry and a re-read. */
  async run(status: string, step: () => Promise<void>, onOutage: () => void = () => undefined): Promise<void> {
    this.inFlight = true;
    this.retries().retryAt = null;
    try {
      await step();
      this.retries().recheck = false;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.error(`${this.part} step failed; will ask Stripe again`, { status, error: String(error.cause ?? error) });
      const retries = this.retries();
      retries.retryAt = Date.now() + STRIPE_OUTAGE_RETRY_MS;
      retries.recheck = true;
      onOutage();
    } finally {
      this.inFlight = false;
    }
  }
}

function privateRetryState(): () => StepRetryState {
  const retries: StepRetryState = { retryAt: null, recheck: false };
  return () => retries;
}
