/**
 * `npm run chaos`: starts the whole system once and runs every fault and bad-input scenario at a
 * larger scale than `npm test`, printing what each tried and counted and the invariants checked.
 * `npm run chaos -- hostile-webhooks` runs the named scenarios only; CHAOS_BOOKINGS, CHAOS_COPIES
 * and CHAOS_OUTAGE_SECONDS change the scale; CHAOS_ECHO_WORKER=1 prints the worker process's lines.
 * `npm run chaos -- --target cluster [names]` runs the cluster scenarios (chaos/cluster-scenarios.ts)
 * on the production topology instead (harness/cluster.ts: Temporal's services as processes on
 * PostgreSQL, two APIs, two workers), CHAOS_BOOKINGS a wave; CLUSTER_LOG=1 prints its start-up steps.
 * Exits 1 when a scenario or an invariant failed.
 */
import { startTestCluster } from '../harness/cluster.js';
import { startChaosSystem } from './chaos-system.js';
import { WEBHOOK_API } from './cluster-accounting.js';
import { clusterScenarios } from './cluster-scenarios.js';
import { installQuietReplayRuntime } from './non-deterministic-change.js';
import { printScenarioReport, type ChaosScale, type ScenarioReport } from './scenario-report.js';
import { chaosScenarios } from './scenarios.js';

const TARGETS = ['dev', 'cluster'] as const;
type Target = (typeof TARGETS)[number];

/** `--target <dev|cluster>` (or `--target=…`) and the scenario names among the arguments. */
function parseArguments(args: string[]): { target: Target; selected: string[] } {
  let target = 'dev';
  const selected: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--target') target = args[(index += 1)] ?? '';
    else if (arg.startsWith('--target=')) target = arg.slice('--target='.length);
    else selected.push(arg);
  }
  if (!(TARGETS as readonly string[]).includes(target)) {
    console.error(`unknown target '${target}'; known: ${TARGETS.join(', ')}`);
    process.exit(2);
  }
  return { target: target as Target, selected };
}

const scale: ChaosScale = {
  bookings: Number(process.env.CHAOS_BOOKINGS ?? 10),
  copies: Number(process.env.CHAOS_COPIES ?? 10),
  outageSeconds: Number(process.env.CHAOS_OUTAGE_SECONDS ?? 60),
};
const { target, selected } = parseArguments(process.argv.slice(2));
const known = (target === 'cluster' ? clusterScenarios : chaosScenarios).map((scenario) => scenario.name);
const unknown = selected.filter((name) => !known.includes(name));
if (unknown.length > 0) {
  console.error(`unknown ${target} scenario(s): ${unknown.join(', ')}; known: ${known.join(', ')}`);
  process.exit(2);
}

/** Runs the selected scenarios in order, printing each report; a scenario that throws is reported failed. */
async function runSelected(scenarios: Array<{ name: string; run(): Promise<ScenarioReport> }>) {
  const reports: ScenarioReport[] = [];
  for (const scenario of scenarios.filter((candidate) => selected.length === 0 || selected.includes(candidate.name))) {
    const copies = target === 'cluster' ? '' : `, copies=${scale.copies}`;
    console.log(
      `\n▶ ${scenario.name} (${target}: bookings=${scale.bookings}${copies}, outage=${scale.outageSeconds} s)`,
    );
    try {
      const report = await scenario.run();
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
  return reports;
}

let reports: ScenarioReport[];
if (target === 'cluster') {
  const started = Date.now();
  const cluster = await startTestCluster({ workers: 2, apis: 2, webhookApi: WEBHOOK_API });
  console.log(`cluster started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  try {
    reports = await runSelected(
      clusterScenarios.map((scenario) => ({ name: scenario.name, run: () => scenario.run(cluster, scale) })),
    );
  } finally {
    await cluster.stop();
  }
} else {
  installQuietReplayRuntime();
  const chaos = await startChaosSystem({ echoWorker: process.env.CHAOS_ECHO_WORKER === '1' });
  try {
    reports = await runSelected(
      chaosScenarios.map((scenario) => ({ name: scenario.name, run: () => scenario.run(chaos.system, scale, chaos) })),
    );
  } finally {
    await chaos.stop();
  }
}
const failed = reports.filter((report) => report.failures.length > 0 || report.invariants.violations.length > 0);
const skipped = reports.filter((report) => report.skipped).length;
console.log(
  `\n${reports.length - failed.length - skipped}/${reports.length} scenarios passed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
);
process.exit(failed.length > 0 ? 1 : 0);
