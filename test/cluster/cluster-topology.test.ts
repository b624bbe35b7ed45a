/**
 * The production topology on this machine (issue 14), started once for this file: Temporal's
 * history, matching, frontend and worker services as separate processes on PostgreSQL, two
 * workers, two APIs (both running the inbox relay) and the Stripe emulator, whose webhooks go to
 * the second API. The blocks are the cluster scenarios of chaos/cluster-scenarios.ts at 6 bookings
 * a wave and a 30 s PostgreSQL outage, in order, each taking a process away under load and then
 * accounting for every booking and webhook from Temporal's histories, the inbox and the emulator.
 * `npm run chaos -- --target cluster` runs the same scenarios larger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../../harness/cluster.js';
import { WEBHOOK_API } from '../../chaos/cluster-accounting.js';
import { clusterScenarios } from '../../chaos/cluster-scenarios.js';
import { printScenarioReport, type ChaosScale, type ScenarioReport } from '../../chaos/scenario-report.js';

const SCALE: ChaosScale = { bookings: 6, copies: 1, outageSeconds: 30 };
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ workers: 2, apis: 2, webhookApi: WEBHOOK_API });
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Runs a cluster scenario by name and asserts its own checks and the accounting found nothing wrong. */
async function expectScenarioHolds(name: string): Promise<ScenarioReport> {
  const scenario = clusterScenarios.find((candidate) => candidate.name === name);
  if (!scenario) throw new Error(`no cluster scenario ${name}`);
  const report = await scenario.run(cluster, SCALE);
  printScenarioReport(report);
  expect(report.failures).toEqual([]);
  expect(report.invariants.violations).toEqual([]);
  return report;
}

describe('the cluster topology', () => {
  it('takes bookings created through one API to held and released while their webhooks arrive through the other; two relays signal each event once', async () => {
    const report = await expectScenarioHolds('shared-inbox');
    const authenticated = report.tried['of them held after 3-D Secure'];
    expect(authenticated).toBeGreaterThan(0);
    expect(report.invariants.checked.bookings).toBe(SCALE.bookings + authenticated);
    // Each authorization after 3-D Secure is news to its booking: signalled, once.
    expect(report.counted['relayed events in the histories']).toBeGreaterThanOrEqual(authenticated);
    expect(report.counted['webhooks received by API 0']).toBe(0);
    expect(report.counted['webhooks stored by API 1']).toBeGreaterThanOrEqual(
      report.invariants.checked['Stripe events'],
    );
    expect(report.counted['relayed by API 0'] + report.counted['relayed by API 1']).toBe(
      report.counted['relayed events in the histories'],
    );
  });

  it('SIGKILL of one worker under load: every booking still ends released with one PaymentIntent, finished by the surviving worker', async () => {
    const report = await expectScenarioHolds('worker-kill');
    expect(report.invariants.checked.bookings).toBe(12);
    expect(report.counted['workflow tasks on the killed worker']).toBeGreaterThan(0);
    expect(report.counted['bookings finished on the survivor']).toBe(12);
  });

  it('SIGKILL of one API with requests in flight: the other keeps answering, every webhook the killed one answered 200 is in the inbox and relayed', async () => {
    const report = await expectScenarioHolds('api-kill');
    expect(report.invariants.checked.bookings).toBe(14);
    expect(report.counted['webhooks answered 200 by the victim']).toBeGreaterThan(0);
  });

  it('the history service killed and restarted under load: bookings carry on, nothing lost', async () => {
    const report = await expectScenarioHolds('history-kill');
    expect(report.invariants.checked.bookings).toBe(9);
  });

  it('PostgreSQL stopped for 30 s under load: the APIs answer 503 with the error shape, then every booking and webhook is accounted for', async () => {
    const report = await expectScenarioHolds('postgres-outage');
    expect(report.tried['requests while down']).toBeGreaterThanOrEqual(10);
    expect(report.counted['answered 503 with code and requestId']).toBe(report.tried['requests while down']);
    expect(report.invariants.checked.bookings).toBe(
      SCALE.bookings + report.counted['refused bookings accepted when sent again'],
    );
  });
});
