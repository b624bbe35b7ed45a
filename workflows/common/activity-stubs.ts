/**
 * Activity stubs by option set. Every call names what it does in a one-line summary, which the Web
 * UI and `temporal workflow show` print next to the activity: `stripeWrites('place $1 hold (attempt
 * 2)').confirmHold(…)`.
 */
import { proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { BookingActivities } from '../../activities/create-activities.js';
import * as activityOptions from './activity-options.js';

const summarized = (options: ActivityOptions) => (summary: string) =>
  proxyActivities<BookingActivities>({ ...options, summary });

/** Stripe calls that change state (hold, customer, bank debit, setup). */
export const stripeWrites = summarized(activityOptions.stripeWrites);
/** Stripe reads. */
export const stripeReads = summarized(activityOptions.stripeReads);
/** Releasing a hold. */
export const stripeReleases = summarized(activityOptions.stripeReleases);
/** Notifications to the booking service. */
export const notifications = summarized(activityOptions.notifications);
