/**
 * A workflow's `patched()` checks, with a baseline: one patch that stands for a fixed list of the
 * patches before it. Each `patched()` a workflow takes writes a marker and, from the SDK, an upsert of
 * `TemporalChangeVersion` into its history (two events per patch per run). A workflow started on code
 * that has the baseline records the baseline's marker alone and takes every patch it lists without
 * recording them; a workflow started before the baseline (no marker at its start) asks each patch as
 * before, so its history replays unchanged. Patches added after a baseline are not in its list and are
 * asked with `patched()` of their own. Deterministic: workflow code only.
 */
import { patched } from '@temporalio/workflow';

/** A baseline: its own patch id, and the patches every workflow started with it has. */
export interface PatchBaseline {
  id: string;
  covers: readonly string[];
}

/** One workflow run's patch checks. Construct it first thing in the run, before any other `patched()`. */
export class Patches {
  private readonly covered: ReadonlySet<string>;

  constructor(baseline?: PatchBaseline) {
    // Asked once, at the run's start: true for a run started on code with the baseline, false when
    // replaying one started before it (it must not turn true for that run later on).
    this.covered = baseline && patched(baseline.id) ? new Set(baseline.covers) : new Set();
  }

  /** Whether the run takes the patched path: `patched(patchId)`, answered without a marker when the baseline covers it. */
  has(patchId: string): boolean {
    return this.covered.has(patchId) || patched(patchId);
  }
}
