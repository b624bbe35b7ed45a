/**
 * Replay check before deploying a workflow change: replays histories exported with
 * `temporal workflow show --workflow-id <id> --output json > <file>` against the workflow code of
 * this checkout, with the same payload keys as the worker (PAYLOAD_CODEC_KEYS). Exits 1 and names
 * the first non-deterministic command when the change would break running workflows.
 *
 *   npm run replay -- booking-42.json [more.json ...]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { dataConverterFor, payloadCodecFrom } from '../codec/data-converter.js';
import { parseEnv } from '../config/env.js';
import { z } from 'zod';
import { WORKFLOWS_PATH } from '../worker/create-worker.js';

const config = parseEnv(
  'replay',
  z.object({ PAYLOAD_CODEC_KEYS: z.string().min(1).optional(), PAYLOAD_CODEC_KEY_ID: z.string().min(1).optional() }),
  process.env,
);
const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write(
    'usage: npm run replay -- <history.json> [...]  (from `temporal workflow show --output json`)\n',
  );
  process.exit(2);
}

let failed = 0;
for (const file of files) {
  const history = historyFromJSON(JSON.parse(await readFile(file, 'utf8')));
  try {
    await Worker.runReplayHistory(
      {
        workflowsPath: WORKFLOWS_PATH,
        dataConverter: dataConverterFor(payloadCodecFrom(config)),
        replayName: 'replay-check',
      },
      history,
      path.basename(file, '.json'),
    );
    process.stdout.write(`ok       ${file}\n`);
  } catch (error) {
    failed += 1;
    process.stdout.write(`FAILED   ${file}: ${(error as Error).message}\n`);
  }
}
process.stdout.write(
  failed === 0
    ? `replay check passed (${files.length} histories)\n`
    : `replay check failed for ${failed} of ${files.length}\n`,
);
process.exit(failed === 0 ? 0 : 1);
