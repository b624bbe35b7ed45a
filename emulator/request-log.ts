/** A record of Stripe API requests for tests: never keys, bodies or headers beyond the idempotency key. */

/** One Stripe API request as the emulator answered it. */
export interface RequestLogEntry {
  requestId: string;
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number;
  replayed: boolean;
  /** Fault injected into the answer, if any. */
  injectedFault: string | null;
  /** Latency injected into the request, if any: `before` or `after` the work. */
  injectedLatency: { ms: number; when: 'before' | 'after' } | null;
  /** Emulator time (unix seconds) when the request arrived. */
  receivedAt: number;
}

const MAX_ENTRIES = 5000;

/** The most recent Stripe API requests, oldest first. */
export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];

  /** Appends an entry, dropping the oldest beyond the cap. */
  append(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
  }

  /** All entries, oldest first. */
  list(): RequestLogEntry[] {
    return [...this.entries];
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.length = 0;
  }
}
