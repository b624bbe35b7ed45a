/**
 * Recorded workflow histories are append-only: recording writes a new file and its digest, never
 * replaces one, and the replay layer fails when a committed history changed or disappeared.
 */
import { createHash } from 'node:crypto';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';

/** Where recorded histories live, one `<name>.json` per workflow path. */
export const HISTORIES_DIR = fileURLToPath(new URL('../test/replay/histories', import.meta.url));

/** `sha256sum`-style digests of every recorded history, one line each, appended as they are recorded. */
export const HISTORY_DIGESTS_FILE = fileURLToPath(new URL('../test/replay/histories.sha256', import.meta.url));

/** A history as plain JSON (enums by name, bytes in base64); read back with `historyFromObject`. */
export function historyToObject(history: temporal.api.history.v1.IHistory): unknown {
  const History = temporal.api.history.v1.History;
  return History.toObject(History.fromObject(history), {
    enums: String,
    longs: String,
    bytes: String,
    defaults: false,
  });
}

/** Reads a history written by `historyToObject`. */
export function historyFromObject(json: unknown): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(json as Record<string, unknown>);
}

/** The digest recorded for a history file's content. */
export function historyDigest(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** What `recordHistory` did: wrote a new file, or kept the one already recorded under that name. */
export type RecordingOutcome = 'recorded' | 'kept';

/**
 * With RECORD_HISTORIES=1, writes `history` as `<name>.json` and appends its digest; a name already
 * recorded is kept as it is (a changed path is a new name). Without it, does nothing.
 */
export async function recordHistory(
  name: string,
  history: temporal.api.history.v1.IHistory,
  directory = HISTORIES_DIR,
  digestsFile = HISTORY_DIGESTS_FILE,
): Promise<RecordingOutcome | null> {
  if (process.env.RECORD_HISTORIES !== '1') return null;
  const content = JSON.stringify(historyToObject(history), null, 1);
  await mkdir(directory, { recursive: true });
  try {
    await writeFile(path.join(directory, `${name}.json`), content, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return 'kept';
    throw error;
  }
  await appendFile(digestsFile, `${historyDigest(content)}  ${name}.json\n`);
  return 'recorded';
}

/** The recorded digests by file name, from the digests file. */
export async function readHistoryDigests(digestsFile = HISTORY_DIGESTS_FILE): Promise<Map<string, string>> {
  const lines = (await readFile(digestsFile, 'utf8')).split('\n').filter((line) => line.trim() !== '');
  return new Map(
    lines.map((line) => {
      const match = /^([0-9a-f]{64}) {2}(.+\.json)$/.exec(line);
      if (!match) throw new Error(`${path.basename(digestsFile)}: not a digest line: ${line}`);
      return [match[2], match[1]];
    }),
  );
}
