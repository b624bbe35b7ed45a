import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Worker, bundleWorkflowCode, type ReplayWorkerOptions } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../worker/create-worker.js';
import { TRACING_INTERCEPTORS_PATH, tracingWorkerOptions } from '../../worker/tracing-options.js';
import { quietLogger } from '../../harness/booking-harness.js';
import {
  HISTORIES_DIR,
  historyDigest,
  historyFromObject,
  readHistoryDigests,
} from '../../harness/recorded-histories.js';

/**
 * Every recorded path of the booking and payment-method setup workflows; a new path is recorded with
 * `RECORD_HISTORIES=1 npx vitest run <test file> -t <test name>`, which writes only histories not yet
 * recorded and appends their digests to histories.sha256.
 */
const EXPECTED_HISTORIES = [
  'released-at-deadline',
  'cancelled-while-held',
  'declined-then-new-payment-method',
  'declined-deadline-passed',
  'three-d-secure-deadline',
  'three-d-secure-completed',
  'duplicate-and-reordered-webhooks',
  'transient-stripe-failure',
  'expired-by-stripe',
  'confirmation-never-answered',
  'release-refused',
  'cancelled-while-declined',
  'cancelled-before-placement',
  'three-d-secure-webhook-late',
  'ach-instant-success',
  'ach-microdeposits-verified',
  'ach-microdeposits-amounts',
  'ach-microdeposits-expired',
  'ach-disputed',
  'ach-refunded',
  'ach-new-account-deadline',
  'ach-confirmation-limit',
  'hold-confirmation-limit',
  'booking-saved-card',
  'booking-saved-card-expired',
  'booking-saved-bank',
  'booking-saved-mandate-revoked',
  'setup-card',
  'setup-card-3ds',
  'setup-card-3ds-abandoned',
  'setup-cancelled',
  'setup-bank-microdeposits',
  'setup-bank-attempts-exceeded',
  'setup-bank-microdeposits-expired',
  'reconciliation-two-pages',
  'reconciliation-with-purge',
  'search-attributes-hold-released',
  'search-attributes-ach-disputed',
  'search-attributes-setup-card',
  'search-attributes-after-deployment',
  'ach-debit-failed',
  'continued-as-new-first-run',
  'continued-as-new-next-run',
  'hold-writes-answered-500',
  'refund-answer-lost-for-26-hours',
  'hold-timed-from-authorization',
  'expired-by-stripe-reason-expired',
  'unreleased-hold-followed-then-released',
  'refused-new-payment-method-asked-again',
  'ach-new-account-own-mandate',
  'ach-target-date-moved',
  'ach-balance-refreshed-by-event',
  'hold-placed-in-one-call',
  'hold-placed-in-one-call-declined',
  'hold-placed-in-one-call-answer-lost',
  'ach-placed-in-one-call',
  'deadline-timer-kept',
  'baseline-hold-released',
  'baseline-ach-placed',
];

describe('recorded booking and setup histories replay on the current workflow code', () => {
  it('has a recorded history for every workflow path', async () => {
    const files = (await readdir(HISTORIES_DIR)).filter((file) => file.endsWith('.json'));
    expect(files.map((file) => path.basename(file, '.json')).sort()).toEqual([...EXPECTED_HISTORIES].sort());
  });

  it('keeps every committed history byte for byte as it was recorded', async () => {
    const digests = await readHistoryDigests();
    const files = (await readdir(HISTORIES_DIR)).filter((file) => file.endsWith('.json')).sort();
    const changed = [];
    for (const [file, digest] of digests) {
      const content = await readFile(path.join(HISTORIES_DIR, file)).catch(() => null);
      if (content === null) changed.push(`${file}: disappeared`);
      else if (historyDigest(content) !== digest) changed.push(`${file}: changed since it was recorded`);
    }

    expect(changed).toEqual([]);
    expect(files).toEqual([...digests.keys()].sort());
  });

  it('replays each one without a non-determinism error', async () => {
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger() });
    expect(await replayFailures({ workflowBundle, replayName: 'booking-replay' })).toEqual([]);
  });

  it('replays each one with the tracing interceptors in the bundle (a worker that turns tracing on)', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: WORKFLOWS_PATH,
      workflowInterceptorModules: [TRACING_INTERCEPTORS_PATH],
      logger: quietLogger(),
    });
    expect(workflowBundle.code).toContain('OpenTelemetryInboundInterceptor');
    const { sinks } = tracingWorkerOptions({ spanProcessor: new NoopSpanProcessor(), resource: Resource.empty() });
    expect(await replayFailures({ workflowBundle, sinks, replayName: 'booking-replay-traced' })).toEqual([]);
  });
});

/** Replays every recorded history on a replay worker with `options`; answers the failures. */
async function replayFailures(options: ReplayWorkerOptions): Promise<string[]> {
  const histories = await Promise.all(
    EXPECTED_HISTORIES.map(async (name) => ({
      workflowId: name,
      history: historyFromObject(JSON.parse(await readFile(path.join(HISTORIES_DIR, `${name}.json`), 'utf8'))),
    })),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(options, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}
