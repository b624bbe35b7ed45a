/**
 * Scenario, run last: every log line captured so far — the worker processes' (across kills and
 * restarts), the in-process API's and those of the API processes scenarios started — scanned for
 * card numbers (in a card network's range and length, Luhn-valid, or in a card field), emails, Stripe secrets, the test bank account
 * numbers and the system's own secrets (API token, webhook and callback secrets, Stripe key, codec
 * token and payload keys). It first runs one booking to its release, so the worker's activity lines
 * are there even when it runs alone.
 */
import { parseCodecKeyring } from '../codec/payload-encryption-codec.js';
import { TEST_BANK_ACCOUNTS } from '../emulator/test-bank-accounts.js';
import { findSensitiveData } from '../harness/sensitive-data.js';
import { CODEC_AUTH_TOKEN, SYSTEM_SECRETS, type SystemUnderTest } from '../harness/system-under-test.js';
import { waitFor } from '../harness/wait-for.js';
import type { ChaosSystem } from './chaos-system.js';
import { createBookings, waitForHolds } from './booking-driver.js';
import { checkInvariants } from './invariants.js';
import { timedScenario, type ScenarioReport } from './scenario-report.js';

/** A line the worker writes from inside an activity, proof its activity lines are captured. */
const ACTIVITY_LINE = 'booking notification recorded';

/** Runs the scenario over the lines `chaos` captured. */
export async function runLogScan(system: SystemUnderTest, chaos: ChaosSystem): Promise<ScenarioReport> {
  return timedScenario('log scan of the worker and API processes', async (report) => {
    const bookingIds = await createBookings(system, 1, () => ({ endsAt: new Date(Date.now() + 3_000).toISOString() }));
    await waitForHolds(system, bookingIds, ['released']);
    await waitFor(
      () => chaos.workerLogLines.some((line) => line.includes(ACTIVITY_LINE) && line.includes(bookingIds[0])),
      {
        timeoutMs: 30_000,
        intervalMs: 200,
        description: 'the worker logging an activity of the booking',
      },
    ).catch(() => report.failures.push(`no "${ACTIVITY_LINE}" line of ${bookingIds[0]} in the worker's output`));

    const codecKeys = [...parseCodecKeyring(system.payloadCodecKeys, undefined).keys.values()].map((key) =>
      key.toString('base64'),
    );
    const forbidden = [
      ...SYSTEM_SECRETS,
      CODEC_AUTH_TOKEN,
      ...codecKeys,
      ...TEST_BANK_ACCOUNTS.map((account) => account.accountNumber),
    ];
    report.tried['forbidden values'] = forbidden.length;
    const sources = {
      worker: chaos.workerLogLines,
      'in-process API': chaos.apiLogLines,
      'API processes': chaos.processLogLines,
    };
    for (const [source, lines] of Object.entries(sources)) {
      const findings = findSensitiveData(lines, forbidden);
      report.counted[`${source} lines scanned`] = lines.length;
      report.counted[`${source} findings`] = findings.length;
      for (const finding of findings.slice(0, 5)) report.failures.push(`${source} log leak: ${finding.slice(0, 400)}`);
    }
    report.counted['worker activity lines'] = chaos.workerLogLines.filter((line) =>
      line.includes(ACTIVITY_LINE),
    ).length;
    report.counted['sensitive findings in logs'] = Object.values(sources).reduce(
      (sum, lines) => sum + findSensitiveData(lines, forbidden).length,
      0,
    );
    if (chaos.workerLogLines.length === 0) report.failures.push('no worker line was captured');
    return checkInvariants(system, bookingIds);
  });
}
