/** Recording workflow histories only ever adds files: a recorded history is never replaced. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { historyDigest, readHistoryDigests, recordHistory } from '../../harness/recorded-histories.js';

const history = (workflowType: string): temporal.api.history.v1.IHistory => ({
  events: [
    {
      eventType: temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      workflowExecutionStartedEventAttributes: { workflowType: { name: workflowType } },
    },
  ],
});

describe('recording workflow histories', () => {
  let directory: string;
  let digestsFile: string;

  beforeEach(async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'histories-'));
    digestsFile = path.join(directory, 'histories.sha256');
    vi.stubEnv('RECORD_HISTORIES', '1');
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(directory, { recursive: true, force: true });
  });

  it('writes a new history and appends its digest', async () => {
    expect(await recordHistory('first-path', history('bookingWorkflow'), directory, digestsFile)).toBe('recorded');

    const content = await readFile(path.join(directory, 'first-path.json'));
    expect(await readHistoryDigests(digestsFile)).toEqual(new Map([['first-path.json', historyDigest(content)]]));
  });

  it('keeps a history already recorded under that name instead of replacing it', async () => {
    await recordHistory('same-path', history('bookingWorkflow'), directory, digestsFile);
    const recorded = await readFile(path.join(directory, 'same-path.json'), 'utf8');

    expect(await recordHistory('same-path', history('changedWorkflow'), directory, digestsFile)).toBe('kept');
    expect(await readFile(path.join(directory, 'same-path.json'), 'utf8')).toBe(recorded);
    expect([...(await readHistoryDigests(digestsFile)).keys()]).toEqual(['same-path.json']);
  });

  it('records nothing unless RECORD_HISTORIES=1', async () => {
    vi.stubEnv('RECORD_HISTORIES', '');

    expect(await recordHistory('not-recorded', history('bookingWorkflow'), directory, digestsFile)).toBeNull();
    await expect(readFile(path.join(directory, 'not-recorded.json'))).rejects.toThrow(/ENOENT/);
  });
});
