/** What a chaos scenario tried and counted, and the invariants it checked at the end. */
import type { InvariantReport } from './invariants.js';

/** One scenario's outcome, printed by `npm run chaos` and asserted by test/chaos. */
export interface ScenarioReport {
  name: string;
  /** What was done to the system, e.g. `webhook copies delivered: 120`. */
  tried: Record<string, number>;
  /** What the system answered or ended up with, e.g. `answered 400: 12`. */
  counted: Record<string, number>;
  /** Scenario-specific expectations that failed (empty when the system behaved). */
  failures: string[];
  invariants: InvariantReport;
  durationMs: number;
  /** Why the scenario did not run on this system (e.g. a part it would stop is not the tests' own). */
  skipped?: string;
}

/** How big a scenario runs: small in `npm test`, larger in `npm run chaos`. */
export interface ChaosScale {
  /** Bookings driven concurrently by scenarios that create bookings. */
  bookings: number;
  /** Copies of each webhook delivered concurrently. */
  copies: number;
  /** How long the Temporal and PostgreSQL outages last, in seconds. */
  outageSeconds: number;
}

/** Prints a report as a few readable lines. */
export function printScenarioReport(report: ScenarioReport, write: (line: string) => void = console.log): void {
  const line = (entries: Record<string, number>) =>
    Object.entries(entries)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ');
  if (report.skipped) {
    write(`– ${report.name} skipped: ${report.skipped}`);
    return;
  }
  const ok = report.failures.length === 0 && report.invariants.violations.length === 0;
  write(`${ok ? '✓' : '✗'} ${report.name} (${(report.durationMs / 1000).toFixed(1)} s)`);
  write(`    tried:      ${line(report.tried)}`);
  write(`    counted:    ${line(report.counted)}`);
  write(`    invariants: ${line(report.invariants.checked)}`);
  for (const failure of [...report.failures, ...report.invariants.violations]) write(`    ✗ ${failure}`);
}

/** The report of a scenario that could not run here, saying why. */
export function skippedScenario(name: string, reason: string): ScenarioReport {
  return {
    name,
    tried: {},
    counted: {},
    failures: [],
    invariants: { checked: {}, violations: [] },
    durationMs: 0,
    skipped: reason,
  };
}

/** Runs `body`, timing it, and assembles its report. */
export async function timedScenario(
  name: string,
  body: (report: Omit<ScenarioReport, 'invariants' | 'durationMs'>) => Promise<InvariantReport>,
): Promise<ScenarioReport> {
  const started = Date.now();
  const partial = { name, tried: {}, counted: {}, failures: [] as string[] };
  const invariants = await body(partial);
  return { ...partial, invariants, durationMs: Date.now() - started };
}
