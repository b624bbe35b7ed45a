/**
 * Scenario: a deliberately non-deterministic change to the booking workflow (a timer before its
 * first activity) is caught by replaying the recorded histories, and the same change behind
 * `patched()` replays cleanly. Both variants are copies of `workflows/` in a temporary folder.
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
// The default import: under tsx (ESM) the package's CommonJS namespace has no named `temporal`.
import proto from '@temporalio/proto';
import { timedScenario, type ScenarioReport } from './scenario-report.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const HISTORIES_DIR = path.join(ROOT, 'test', 'replay', 'histories');
const historyFromObject = (json: unknown) =>
  proto.temporal.api.history.v1.History.fromObject(json as Record<string, unknown>);
const ANCHOR = '  const ctx = new BookingContext(';
const silentLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * Installs this process's Temporal runtime logging errors only, Core's included: the replays'
 * expected non-determinism warnings are not news. Call once, before any scenario runs.
 */
export function installQuietReplayRuntime(): void {
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { forward: {}, filter: { core: 'ERROR', other: 'ERROR' } } },
  });
}

/** Runs the scenario on every recorded history. */
export async function runNonDeterministicChange(): Promise<ScenarioReport> {
  return timedScenario(
    'non-deterministic workflow change caught by replay, accepted behind patched()',
    async (report) => {
      const names = (await readdir(HISTORIES_DIR)).filter((file) => file.endsWith('.json'));
      const histories = await Promise.all(
        names.map(async (file) => ({
          workflowId: file,
          history: historyFromObject(JSON.parse(await readFile(path.join(HISTORIES_DIR, file), 'utf8'))),
        })),
      );
      const bookingHistories = histories.filter(
        ({ history }) =>
          history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name === 'bookingWorkflow',
      ).length;
      // Inside the repository so the copy resolves the same node_modules; .data/ is git-ignored.
      await mkdir(path.join(ROOT, '.data'), { recursive: true });
      const scratch = await mkdtemp(path.join(ROOT, '.data', 'chaos-replay-'));
      try {
        const variants = {
          'unguarded timer': 'await chaosSleep(1);',
          'timer behind patched()': "if (chaosPatched('chaos-extra-timer')) await chaosSleep(1);",
        };
        report.tried['recorded histories'] = histories.length;
        report.tried['booking histories'] = bookingHistories;
        for (const [variant, change] of Object.entries(variants)) {
          const workflowsDir = path.join(scratch, variant.replace(/\W+/g, '-'), 'workflows');
          await cp(path.join(ROOT, 'workflows'), workflowsDir, { recursive: true });
          const file = path.join(workflowsDir, 'booking', 'booking-workflow.ts');
          const source = await readFile(file, 'utf8');
          if (!source.includes(ANCHOR))
            throw new Error('the booking workflow no longer has the line this scenario changes');
          await writeFile(
            file,
            `import { sleep as chaosSleep, patched as chaosPatched } from '@temporalio/workflow';\n${source.replace(ANCHOR, `  ${change}\n${ANCHOR}`)}`,
          );
          const workflowBundle = await bundleWorkflowCode({
            workflowsPath: path.join(workflowsDir, 'index.ts'),
            logger: silentLogger,
          });
          let failed = 0;
          let nonDeterminism = 0;
          for await (const result of Worker.runReplayHistories(
            { workflowBundle, replayName: `chaos-${variant}` },
            histories,
          )) {
            if (!result.error) continue;
            failed += 1;
            if (/nondetermin|determinism/i.test(`${result.error.name} ${result.error.message}`)) nonDeterminism += 1;
          }
          report.counted[`${variant}: replays failed`] = failed;
          report.counted[`${variant}: non-determinism errors`] = nonDeterminism;
        }
        if (report.counted['unguarded timer: non-determinism errors'] !== bookingHistories)
          report.failures.push(
            `the unguarded change failed ${report.counted['unguarded timer: non-determinism errors']} of ${bookingHistories} booking histories`,
          );
        if (report.counted['timer behind patched(): replays failed'] !== 0)
          report.failures.push('the patched change failed a replay');
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
      return { checked: { 'histories replayed per variant': histories.length }, violations: [] };
    },
  );
}
