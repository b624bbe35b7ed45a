/**
 * `npm run chaos`: starts the whole system once and runs every fault and bad-input scenario at a
 * larger scale than `npm test`, printing what each tried and counted and the invariants checked.
 * `npm run chaos -- hostile-webhooks` runs the named scenarios only; CHAOS_BOOKINGS, CHAOS_COPIES
 * and CHAOS_OUTAGE_SECONDS change the scale; CHAOS_ECHO_WORKER=1 prints the worker process's lines.
 * Exits 1 when a scenario or an invariant failed.
 */
import { startChaosSystem } from './chaos-system.js';
import { installQuietReplayRuntime } from './non-deterministic-change.js';
import { printScenarioReport, type ChaosScale, type ScenarioReport } from './scenario-report.js';
import { chaosScenarios } from './scenarios.js';

const scale: ChaosScale = {
  bookings: Number(process.env.CHAOS_BOOKINGS ?? 10),
  copies: Number(process.env.CHAOS_COPIES ?? 10),
  outageSeconds: Number(process.env.CHAOS_OUTAGE_SECONDS ?? 60),
};
const selected = process.argv.slice(2);
const unknown = selected.filter((name) => !chaosScenarios.some((scenario) => scenario.name === name));
if (unknown.length > 0) {
  console.error(
    `unknown scenario(s): ${unknown.join(', ')}; known: ${chaosScenarios.map((scenario) => scenario.name).join(', ')}`,
  );
  process.exit(2);
}

installQuietReplayRuntime();
const chaos = await startChaosSystem({ echoWorker: process.env.CHAOS_ECHO_WORKER === '1' });
const { system } = chaos;
const reports: ScenarioReport[] = [];
try {
  for (const scenario of chaosScenarios.filter(
    (candidate) => selected.length === 0 || selected.includes(candidate.name),
  )) {
    console.log(
      `\n▶ ${scenario.name} (bookings=${scale.bookings}, copies=${scale.copies}, outage=${scale.outageSeconds} s)`,
    );
    try {
      const report = await scenario.run(system, scale, chaos);
      reports.push(report);
      printScenarioReport(report);
    } catch (error) {
      console.log(`✗ ${scenario.name} threw: ${error instanceof Error ? error.message : String(error)}`);
      reports.push({
        name: scenario.name,
        tried: {},
        counted: {},
        failures: ['threw'],
        invariants: { checked: {}, violations: [] },
        durationMs: 0,
      });
    }
  }
} finally {
  await chaos.stop();
}
const failed = reports.filter((report) => report.failures.length > 0 || report.invariants.violations.length > 0);
const skipped = reports.filter((report) => report.skipped).length;
console.log(
  `\n${reports.length - failed.length - skipped}/${reports.length} scenarios passed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
);
process.exit(failed.length > 0 ? 1 : 0);
