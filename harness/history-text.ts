/** A workflow history as text an operator could search: every payload's data decoded, not base64. */
import type { temporal } from '@temporalio/proto';

/** The history as JSON with each payload's bytes (or their base64 form) turned back into text. */
export function historyText(history: temporal.api.history.v1.IHistory): string {
  return JSON.stringify(history, function (this: Record<string, unknown>, key, value: unknown) {
    const raw = this[key];
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('utf8');
    return key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value;
  });
}
