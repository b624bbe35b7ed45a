/**
 * When each booking reached `held` and `released`: taken from the booking service's callbacks as
 * they arrive, or (on a reused stack, whose callbacks go elsewhere) from the notifications the
 * worker records in Postgres (notification-milestones.ts).
 */
import type { ReceivedCallback } from '../harness/system-under-test.js';

/** Milestones of the card-hold path the bench times. */
export type Milestone = 'held' | 'released';

const MILESTONE_OF_NOTIFICATION: Record<string, Milestone | undefined> = {
  'hold.held': 'held',
  'hold.released': 'released',
};

/** The notification types that mark a milestone. */
export const MILESTONE_NOTIFICATIONS = Object.keys(MILESTONE_OF_NOTIFICATION);

/** The milestone a notification type marks, if any. */
export function milestoneOf(notificationType: string): Milestone | undefined {
  return MILESTONE_OF_NOTIFICATION[notificationType];
}

/** Waits for milestones by key (a booking or floor id) and remembers when each was reached. */
export class MilestoneClock {
  private readonly reached = new Map<string, number>();
  private readonly waiters = new Map<string, Array<(at: number) => void>>();

  /** Records that `id` reached `milestone` at `at` (performance.now(); default now); a repeated notification keeps the first time. */
  reach(id: string, milestone: Milestone, at = performance.now()): void {
    const key = `${id}:${milestone}`;
    if (this.reached.has(key)) return;
    this.reached.set(key, at);
    for (const wake of this.waiters.get(key) ?? []) wake(at);
    this.waiters.delete(key);
  }

  /** Resolves with the time (performance.now()) `id` reached `milestone`, or rejects after `timeoutMs`. */
  when(id: string, milestone: Milestone, timeoutMs = 120_000): Promise<number> {
    const key = `${id}:${milestone}`;
    const at = this.reached.get(key);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${id} did not reach ${milestone} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const list = this.waiters.get(key) ?? [];
      list.push((time) => {
        clearTimeout(timer);
        resolve(time);
      });
      this.waiters.set(key, list);
    });
  }

  /** Ids someone is waiting on (for a milestone not reached yet). */
  awaitedIds(): string[] {
    return [...new Set([...this.waiters.keys()].map((key) => key.slice(0, key.lastIndexOf(':'))))];
  }

  /** Feeds the clock from the system's callback list: every notification pushed to it from now on. */
  listenTo(callbacks: ReceivedCallback[]): void {
    const push = callbacks.push.bind(callbacks);
    callbacks.push = (...items: ReceivedCallback[]) => {
      for (const item of items) {
        const milestone = milestoneOf(item.type);
        if (milestone) this.reach(item.bookingId, milestone);
      }
      // The list would grow by two entries per booking for the whole run; the bench needs only the times.
      return push(...items.filter(() => false));
    };
  }
}
