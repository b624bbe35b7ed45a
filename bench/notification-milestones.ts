/**
 * Milestones on a reused stack: its worker sends callbacks to whatever NOTIFY_CALLBACK_URL it was
 * given (none under `npm start`), but records every notification in Postgres first. The bench polls
 * that table for the bookings it waits on and dates each milestone by the row's `created_at`,
 * measured against the database's own clock, so the poll interval delays the waiter, not the time.
 */
import type { Pool } from 'pg';
import { MILESTONE_NOTIFICATIONS, milestoneOf, type MilestoneClock } from './milestones.js';

/** How often the notifications table is read while someone waits. */
export const NOTIFICATION_POLL_MS = 50;

/** A running poller. */
export interface NotificationPoller {
  stop(): Promise<void>;
}

/** Feeds `clock` with the `hold.held` and `hold.released` rows of the ids it waits on; `log` hears a failed read once. */
export function pollNotificationMilestones(
  db: Pool,
  clock: MilestoneClock,
  log: (line: string) => void,
): NotificationPoller {
  let stopped = false;
  let failed = false;
  const readOnce = async () => {
    const ids = clock.awaitedIds();
    if (ids.length === 0) return;
    const { rows } = await db.query<{ booking_id: string; type: string; age_ms: number }>(
      `SELECT booking_id, type, extract(epoch FROM clock_timestamp() - created_at) * 1000 AS age_ms
       FROM notifications WHERE booking_id = ANY($1) AND type = ANY($2)`,
      [ids, MILESTONE_NOTIFICATIONS],
    );
    const now = performance.now();
    for (const row of rows) {
      const milestone = milestoneOf(row.type);
      if (milestone) clock.reach(row.booking_id, milestone, now - Math.max(0, Number(row.age_ms)));
    }
  };
  const loop = (async () => {
    while (!stopped) {
      try {
        await readOnce();
      } catch (error) {
        if (!failed) log(`[bench] reading the notifications table failed (retrying): ${String(error)}`);
        failed = true;
      }
      await new Promise((resolve) => setTimeout(resolve, NOTIFICATION_POLL_MS));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
