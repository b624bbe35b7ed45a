/**
 * Runs a lifecycle's steps so that a Stripe outage lasting past an activity's retry window
 * postpones the step (and makes the next one ask Stripe again) instead of failing the booking.
 */
import { ActivityFailure, log } from '@temporalio/workflow';

/** Pause before asking Stripe again after its calls failed for longer than their retry window. */
const STRIPE_OUTAGE_RETRY_MS = 60 * 60 * 1000;

/** Outage handling and in-flight tracking of one lifecycle (the hold, the payment). */
export class StepGuard {
  private retryAt: number | null = null;
  /** True when the next step must re-read Stripe because an earlier call was lost. */
  recheck = false;
  /** True while a step is running (activities in flight). */
  inFlight = false;

  constructor(private readonly part: string) {}

  /** While a retry is pending: whether it is due; undefined when no retry is pending. */
  retryReady(): boolean | undefined {
    if (this.retryAt !== null) return Date.now() >= this.retryAt;
    return this.recheck ? true : undefined;
  }

  /** The pending retry's deadline, if any. */
  retryWake(): { at: number; summary: string } | null {
    return this.retryAt === null ? null : { at: this.retryAt, summary: 'ask Stripe again after an outage' };
  }

  /** Runs one step; an activity that failed for good schedules a retry and a re-read. */
  async run(status: string, step: () => Promise<void>, onOutage: () => void = () => undefined): Promise<void> {
    this.inFlight = true;
    this.retryAt = null;
    try {
      await step();
      this.recheck = false;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.error(`${this.part} step failed; will ask Stripe again`, { status, error: String(error.cause ?? error) });
      this.retryAt = Date.now() + STRIPE_OUTAGE_RETRY_MS;
      this.recheck = true;
      onOutage();
    } finally {
      this.inFlight = false;
    }
  }
}
