/**
 * Stripe's Idempotency-Key semantics: the first result an endpoint produced for a key is replayed
 * for 24 hours of emulator time; other parameters or endpoints are refused; a key whose first
 * request is still executing is locked.
 */
import { createHash } from 'node:crypto';
import type { EmulatorClock } from './clock.js';

/** How long Stripe keeps an idempotent result. */
export const IDEMPOTENCY_KEY_TTL_SECONDS = 24 * 3600;

/** A response saved for replay, byte for byte. */
export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
  requestId: string;
}

/** What identifies "the same request" for a key. */
export interface RequestFingerprint {
  endpoint: string;
  parameters: string;
}

type Entry =
  | { state: 'in_flight'; fingerprint: RequestFingerprint; createdAt: number }
  | { state: 'completed'; fingerprint: RequestFingerprint; createdAt: number; response: StoredResponse };

/** A completed key as saved in a state file; `id` names the key without revealing the API key. */
export interface IdempotencyRecord {
  id: string;
  fingerprint: RequestFingerprint;
  createdAt: number;
  response: StoredResponse;
}

/** The result of presenting a key. */
export type KeyClaim =
  | { kind: 'fresh' }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'in_flight' }
  | { kind: 'mismatch'; reason: 'parameters' | 'endpoint' };

/** Saved idempotent results, scoped by API key. */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: EmulatorClock) {}

  /** Presents `key`: a fresh key is locked until `complete` or `release`. */
  claim(scope: string, key: string, fingerprint: RequestFingerprint): KeyClaim {
    this.forgetExpired();
    const id = entryId(scope, key);
    const entry = this.entries.get(id);
    if (!entry) {
      this.entries.set(id, { state: 'in_flight', fingerprint, createdAt: this.clock.nowSeconds() });
      return { kind: 'fresh' };
    }
    if (entry.fingerprint.endpoint !== fingerprint.endpoint) return { kind: 'mismatch', reason: 'endpoint' };
    if (entry.fingerprint.parameters !== fingerprint.parameters) return { kind: 'mismatch', reason: 'parameters' };
    if (entry.state === 'in_flight') return { kind: 'in_flight' };
    return { kind: 'replay', response: entry.response };
  }

  /** Saves the result of the request that claimed `key`. */
  complete(scope: string, key: string, response: StoredResponse): void {
    const id = entryId(scope, key);
    const entry = this.entries.get(id);
    if (entry) this.entries.set(id, { ...entry, state: 'completed', response });
  }

  /** Drops the claim without a result (the endpoint never started executing). */
  release(scope: string, key: string): void {
    const id = entryId(scope, key);
    if (this.entries.get(id)?.state === 'in_flight') this.entries.delete(id);
  }

  /** Forgets results older than 24 hours of emulator time. */
  forgetExpired(): void {
    const oldest = this.clock.nowSeconds() - IDEMPOTENCY_KEY_TTL_SECONDS;
    for (const [id, entry] of this.entries) {
      if (entry.state === 'completed' && entry.createdAt <= oldest) this.entries.delete(id);
    }
  }

  /** Number of keys currently remembered. */
  size(): number {
    return this.entries.size;
  }

  /** Number of keys whose first request is still executing (locked: a concurrent request gets 409). */
  inFlight(): number {
    let count = 0;
    for (const entry of this.entries.values()) if (entry.state === 'in_flight') count += 1;
    return count;
  }

  /** Forgets every key. */
  clear(): void {
    this.entries.clear();
  }

  /** Completed keys, for a state file (keys still executing are left out: their request died with the process). */
  records(): IdempotencyRecord[] {
    const records: IdempotencyRecord[] = [];
    for (const [id, entry] of this.entries) {
      if (entry.state === 'completed') {
        records.push({ id, fingerprint: entry.fingerprint, createdAt: entry.createdAt, response: entry.response });
      }
    }
    return records;
  }

  /** Remembers keys read from a state file. */
  restore(records: readonly IdempotencyRecord[]): void {
    for (const { id, fingerprint, createdAt, response } of records) {
      this.entries.set(id, { state: 'completed', fingerprint, createdAt, response });
    }
  }
}

/** The map key of an idempotency key: scoped by a digest of the API key, never the key itself. */
function entryId(scope: string, key: string): string {
  return `${createHash('sha256').update(scope).digest('hex').slice(0, 16)}:${key}`;
}

/** A canonical text of parameters, independent of key order. */
export function canonicalParameters(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
