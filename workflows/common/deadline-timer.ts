/**
 * One durable timer per deadline: a loop that wakes for other reasons (events, updates) keeps the
 * timer it armed as long as the deadline has not moved, instead of starting a new one each time.
 * Every timer started is a Temporal Cloud action and two history events; a cancelled one two more.
 */
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

/** A deadline to wake at: its instant (ms) and the summary its timer shows. */
export interface Wake {
  at: number;
  summary: string;
}

/** The timer of the loop's next deadline, re-armed only when that deadline moves. */
export class DeadlineTimer {
  private armed: { at: number; fired: boolean; scope: CancellationScope } | null = null;

  /** Arms the timer for `wake` (keeping the one already armed for that instant); answers whether it has fired. */
  arm(wake: Wake): () => boolean {
    const current = this.armed;
    if (current && current.at === wake.at && !current.fired) return () => current.fired;
    current?.scope.cancel();
    const scope = new CancellationScope();
    const armed = { at: wake.at, fired: false, scope };
    this.armed = armed;
    scope
      .run(() => sleep(Math.max(wake.at - Date.now(), 1), { summary: wake.summary }))
      .then(
        () => {
          armed.fired = true;
        },
        (error: unknown) => {
          if (!isCancellation(error)) throw error;
        },
      );
    return () => armed.fired;
  }

  /** Cancels the armed timer: there is no deadline to wake at (answers a timer that never fires). */
  disarm(): () => boolean {
    this.armed?.scope.cancel();
    this.armed = null;
    return () => false;
  }
}
