/** The ACH target date rule (a calendar day, UTC, 3 to 15 days ahead), shared with the workflow. */
export {
  TARGET_DATE_DAYS_AHEAD,
  TARGET_DATE_PATTERN,
  daysAheadUtc,
  isTargetDateInRange,
} from '../../workflows/booking/ach-target-date.js';
