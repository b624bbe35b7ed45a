/**
 * The committed lockfile is what the Docker image (`npm ci --omit=dev --ignore-scripts`) and a fresh machine
 * (dev/provision.sh, `npm ci` with no fallback) install from: `npm ci` must accept it as it is,
 * in a directory without node_modules, and an out of sync one must stop provisioning with a reason.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const scratchDirs: string[] = [];

/** A directory holding only package.json and package-lock.json, as a fresh clone has before installing. */
function cleanCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lockfile-'));
  scratchDirs.push(dir);
  copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  return dir;
}

function npmCiDryRun(dir: string) {
  return spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    encoding: 'utf8',
  });
}

afterEach(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('package-lock.json', () => {
  it('is accepted by npm ci in a clean directory without node_modules (what the Docker image runs)', () => {
    const result = npmCiDryRun(cleanCopy());
    expect(result.stderr).not.toMatch(/in sync/);
    expect(result.status).toBe(0);
  });

  it('is refused by npm ci once package.json names a dependency the lockfile lacks, which provisioning reports', () => {
    const dir = cleanCopy();
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    manifest.dependencies['is-number'] = '7.0.0';
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    expect(npmCiDryRun(dir).status).not.toBe(0);
    // dev/provision.sh runs this same dry run first and stops with a one-line reason, no fallback.
    const provision = readFileSync(path.join(ROOT, 'dev/provision.sh'), 'utf8');
    expect(provision).toContain('npm ci --dry-run --ignore-scripts');
    expect(provision).not.toMatch(/falling back to npm install/);
  });
});
