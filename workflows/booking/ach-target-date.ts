/**
 * The ACH target date rule, as Stripe applies it when a debit is created: a calendar day (UTC) 3 to
 * 15 days ahead (docs.stripe.com/payments/ach-direct-debit#target-date). Pure: the API checks a
 * date on arrival, the workflow again when it creates the debit, days later perhaps.
 */

/** Fewest and most days ahead of today (UTC) a target date may be. */
export const TARGET_DATE_DAYS_AHEAD = { min: 3, max: 15 } as const;

/** `YYYY-MM-DD`. */
export const TARGET_DATE_PATTERN = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

const DAY_MS = 24 * 60 * 60 * 1000;

/** 00:00 UTC of `now`'s day, in epoch milliseconds. */
function startOfUtcDay(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
}

/** Whole days from today (UTC) to `date` (`YYYY-MM-DD`); null when it is not a real calendar day. */
export function daysAheadUtc(date: string, now: Date): number | null {
  if (!TARGET_DATE_PATTERN.test(date)) return null;
  const target = Date.parse(`${date}T00:00:00Z`);
  // Date.parse rolls 2030-02-30 over to March; a real day formats back to itself.
  if (Number.isNaN(target) || new Date(target).toISOString().slice(0, 10) !== date) return null;
  return Math.round((target - startOfUtcDay(now)) / DAY_MS);
}

/** Whether `date` is 3 to 15 days ahead of `now`'s UTC day. */
export function isTargetDateInRange(date: string, now: Date): boolean {
  const days = daysAheadUtc(date, now);
  return days !== null && days >= TARGET_DATE_DAYS_AHEAD.min && days <= TARGET_DATE_DAYS_AHEAD.max;
}

/** The earliest target date Stripe accepts on `now`'s UTC day. */
export function earliestTargetDate(now: Date): string {
  return new Date(startOfUtcDay(now) + TARGET_DATE_DAYS_AHEAD.min * DAY_MS).toISOString().slice(0, 10);
}
