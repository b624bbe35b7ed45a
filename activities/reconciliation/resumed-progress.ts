/** Long reconciliation activities keep their progress in their heartbeat. */
import { activityInfo } from '@temporalio/activity';

/** Progress of a long activity, kept in its heartbeat so a retry resumes where the last attempt stopped. */
export function resumedProgress<T>(initial: T): T {
  const details = activityInfo().heartbeatDetails as T | undefined;
  return details ?? initial;
}
