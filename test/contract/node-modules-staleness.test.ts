/**
 * dev/provision.sh reinstalls node_modules (`npm ci`) only when package-lock.json's content differs
 * from what the last install recorded (dev/node-modules-state.sh), never because of a file date, and
 * never through a node_modules that is a symlink to another checkout's (a worktree sharing main's).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../dev/node-modules-state.sh', import.meta.url));
const scratchDirs: string[] = [];

function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'node-modules-state-'));
  scratchDirs.push(dir);
  return dir;
}

function runScript(...args: string[]) {
  return spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });
}

function stateOf(root: string): string {
  const result = runScript(root);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout.trim();
}

/** A checkout whose node_modules was installed from its lockfile and recorded, as provisioning leaves it. */
function installedCheckout(): string {
  const root = scratch();
  writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}\n');
  mkdirSync(path.join(root, 'node_modules'));
  expect(runScript('--record', root).status).toBe(0);
  return root;
}

afterEach(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('node_modules staleness (dev/node-modules-state.sh)', () => {
  it('is fresh right after an install recorded the lockfile hash', () => {
    expect(stateOf(installedCheckout())).toBe('fresh');
  });

  it('stays fresh when the lockfile is touched (newer date) but its content is the same', () => {
    const root = installedCheckout();
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(path.join(root, 'package-lock.json'), future, future);
    expect(stateOf(root)).toBe('fresh');
  });

  it('is stale once the lockfile content changes, even with an older date', () => {
    const root = installedCheckout();
    const lockfile = path.join(root, 'package-lock.json');
    writeFileSync(lockfile, '{"lockfileVersion": 3, "packages": {"node_modules/zod": {}}}\n');
    const past = new Date(Date.now() - 86_400_000);
    utimesSync(lockfile, past, past);
    expect(stateOf(root)).toBe('stale');
  });

  it('is stale when node_modules is missing, or carries no recorded hash and no install newer than the lockfile', () => {
    const root = scratch();
    writeFileSync(path.join(root, 'package-lock.json'), '{}\n');
    expect(stateOf(root)).toBe('stale');
    mkdirSync(path.join(root, 'node_modules'));
    expect(stateOf(root)).toBe('stale');
  });

  it("is unrecorded (provisioning records the hash, no reinstall) when installed before hashes were recorded, npm's own record newer than the lockfile", () => {
    const root = scratch();
    const lockfile = path.join(root, 'package-lock.json');
    writeFileSync(lockfile, '{}\n');
    mkdirSync(path.join(root, 'node_modules'));
    const npmRecord = path.join(root, 'node_modules', '.package-lock.json');
    writeFileSync(npmRecord, '{}\n');
    const past = new Date(Date.now() - 86_400_000);
    utimesSync(lockfile, past, past);
    expect(stateOf(root)).toBe('unrecorded');
    expect(runScript('--record', root).status).toBe(0);
    expect(stateOf(root)).toBe('fresh');
    // A lockfile changed after that install is stale, recorded or not.
    writeFileSync(lockfile, '{"changed": true}\n');
    expect(stateOf(root)).toBe('stale');
  });

  it('reports a symlinked node_modules as skipped, and refuses to record into the checkout it points at', () => {
    const owner = installedCheckout();
    const worktree = scratch();
    writeFileSync(path.join(worktree, 'package-lock.json'), '{"different": true}\n');
    symlinkSync(path.join(owner, 'node_modules'), path.join(worktree, 'node_modules'));
    expect(stateOf(worktree)).toBe('symlink');
    expect(runScript('--record', worktree).status).not.toBe(0);
    expect(stateOf(owner)).toBe('fresh');
  });
});
