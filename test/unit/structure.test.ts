/**
 * The import rules of docs/STRUCTURE.md, kept in .dependency-cruiser.cjs: the repository follows
 * them, and each rule does catch the import it forbids.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, type ICruiseOptions, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FOLDERS = [
  'workflows',
  'activities',
  'api',
  'inbox',
  'db',
  'worker',
  'stripe',
  'telemetry',
  'codec',
  'config',
  'notifications',
  'ops',
  'client',
  'harness',
  'bench',
  'chaos',
  'dev',
  'emulator',
  'test',
];

async function violations(baseDir: string, folders: string[], tsConfig?: unknown) {
  const options: ICruiseOptions = await extractDepcruiseOptions(path.join(ROOT, '.dependency-cruiser.cjs'));
  const previous = process.cwd();
  process.chdir(baseDir);
  try {
    const { output } = await cruise(folders, { ...options, validate: true, baseDir }, {}, tsConfig ? { tsConfig } : {});
    return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
  } finally {
    process.chdir(previous);
  }
}

describe('import rules (docs/STRUCTURE.md)', () => {
  const fixture = mkdtempSync(path.join(tmpdir(), 'structure-'));
  afterAll(() => rmSync(fixture, { recursive: true, force: true }));

  it('every import in the repository follows them', async () => {
    const tsConfig = extractTSConfig(path.join(ROOT, 'tsconfig.json'));
    expect(await violations(ROOT, FOLDERS, tsConfig)).toEqual([]);
  }, 60_000);

  it('each rule catches the import it forbids', async () => {
    const files: Record<string, string> = {
      'workflows/booking/contract.ts': 'export const NAME = "booking";',
      'workflows/booking/booking-workflow.ts': "import { run } from '../../activities/hold';\nexport const wf = run;",
      'activities/hold.ts': "import { wf } from '../workflows/booking/booking-workflow';\nexport const run = wf;",
      'api/route.ts':
        "import { NAME } from '../workflows/booking/contract';\nimport { boot } from '../worker/main';\nexport const r = [NAME, boot];",
      'worker/main.ts': 'export const boot = 1;',
      'db/store.ts':
        "import { r } from '../api/route';\nimport { run } from '../activities/hold';\nexport const s = [r, run];",
      'inbox/relay.ts':
        "import { boot } from '../worker/main';\nimport { h } from '../harness/h';\nexport const x = [boot, h];",
      'harness/h.ts': "import { t } from '../test/t';\nexport const h = t;",
      'test/t.ts': 'export const t = 1;',
      'tsconfig.json': '{}',
      'emulator/e.ts':
        "import { s } from '../db/store';\nimport { nowhere } from './missing';\nexport const e = [s, nowhere];",
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(fixture, file)), { recursive: true });
      writeFileSync(path.join(fixture, file), `${text}\n`);
    }
    const found = await violations(fixture, [
      'workflows',
      'activities',
      'api',
      'worker',
      'db',
      'inbox',
      'harness',
      'test',
      'emulator',
    ]);
    expect(found.sort()).toEqual(
      [
        'workflows-are-deterministic: workflows/booking/booking-workflow.ts → activities/hold.ts',
        'workflows-through-their-contract: activities/hold.ts → workflows/booking/booking-workflow.ts',
        'api-does-not-run-activities-or-workers: api/route.ts → worker/main.ts',
        'nothing-below-api-imports-api: db/store.ts → api/route.ts',
        'only-the-worker-hosts-activities: db/store.ts → activities/hold.ts',
        'stores-are-leaves: db/store.ts → activities/hold.ts',
        'the-inbox-is-below-the-worker: inbox/relay.ts → worker/main.ts',
        'product-without-tooling: inbox/relay.ts → harness/h.ts',
        'tooling-without-tests: harness/h.ts → test/t.ts',
        'emulator-is-stripe: emulator/e.ts → db/store.ts',
        'imports-resolve: emulator/e.ts → ./missing',
      ].sort(),
    );
  }, 60_000);
});
