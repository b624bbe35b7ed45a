/**
 * Temporal Cloud actions counted from recorded histories by the rules of
 * https://docs.temporal.io/cloud/actions: each activity attempt, a continue-as-new counted once,
 * search-attribute upserts of TemporalChangeVersion alone exempt, patch markers free.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { actionsInHistory, apiOnlyActions, totalActions } from '../../bench/billable-actions.js';
import { HISTORIES_DIR, historyFromObject } from '../../harness/recorded-histories.js';

async function recorded(name: string) {
  return historyFromObject(JSON.parse(await readFile(path.join(HISTORIES_DIR, `${name}.json`), 'utf8')));
}

describe('Temporal Cloud actions counted from a history', () => {
  it('counts a released card hold: the start, each activity, the release timer and each status upsert, not the patches', async () => {
    const actions = actionsInHistory(await recorded('search-attributes-hold-released'));
    expect(actions).toEqual({
      'workflow start': 1,
      'activity attempts': 6,
      timers: 1,
      // 5 upserts in the history, 2 of them TemporalChangeVersion alone (written by patched()).
      'search-attribute upserts': 3,
    });
    expect(totalActions(actions)).toBe(11);
  });

  it('counts every attempt of an activity Stripe answered 500 twice, and the update', async () => {
    const actions = actionsInHistory(await recorded('transient-stripe-failure'));
    expect(actions['activity attempts']).toBe(8);
    expect(actions.updates).toBe(1);
  });

  it('counts a continue-as-new once, in the run that made it, and exempts TemporalChangeVersion upserts', async () => {
    const first = actionsInHistory(await recorded('continued-as-new-first-run'));
    const next = actionsInHistory(await recorded('continued-as-new-next-run'));
    expect(first['workflow start']).toBe(2);
    expect(first.signals).toBe(2100);
    expect(first.timers).toBe(9);
    expect(next['workflow start']).toBeUndefined();
    expect(next['search-attribute upserts']).toBe(1);
  });

  it("adds the API's queries and rejected updates, which no history records", () => {
    expect(
      apiOnlyActions(
        { query: 2, update: 1, update_rejected: 0, signal: 5 },
        { query: 5, update: 2, update_rejected: 1, signal: 9 },
      ),
    ).toEqual({ 'queries (API)': 3, 'rejected updates (API)': 1 });
  });
});
