/**
 * The benchmark report's explanation of a webhook ingest below target names the Temporal that ran:
 * the dev server (SQLite) on the dev stack, the cluster's services on PostgreSQL on the cluster.
 */
import { describe, expect, it } from 'vitest';
import { ingestExplanation } from '../../bench/report.js';
import type { StackUsed } from '../../bench/bench-target.js';
import type { BenchResults } from '../../bench/run-bench.js';

const latency = (p99: number) => ({ count: 3000, p50: p99 / 3, p95: p99 / 2, p99, max: p99 });

/** The ingest figures of docs/bench/cluster.md's run (71.6 events/s, p99 1365 ms), on `stack`. */
function slowIngestOn(
  stack: StackUsed,
): Pick<BenchResults, 'stack' | 'ingest' | 'ingestCpu' | 'ingestCpuWallSeconds' | 'machine'> {
  return {
    stack,
    ingest: {
      events: 3000,
      concurrency: 32,
      acceptedPerSecond: 71.6,
      rejected: 0,
      latency: latency(1365),
      relayLag: latency(31_133),
      drainedAfterMs: 74_700,
    },
    ingestCpu: [
      { label: 'PostgreSQL', seconds: 28.8 },
      { label: 'Temporal history service', seconds: 22.5 },
    ],
    ingestCpuWallSeconds: 74.8,
    machine: {
      cpus: 'test',
      cores: 2,
      memoryBytes: 1,
      platform: 'linux',
      node: 'v20',
      loadAverageBefore: [0, 0, 0],
      loadAverageAfter: [0, 0, 0],
    },
  };
}

describe('the ingest explanation of the benchmark report', () => {
  it('on the cluster, puts the history writes on its services and PostgreSQL, never on a dev server or SQLite', () => {
    const text = ingestExplanation(slowIngestOn({ kind: 'cluster', apis: 2, workers: 2 })).join('\n');
    expect(text).toMatch(/Rate and p99 below target/);
    expect(text).not.toMatch(/dev server|SQLite/);
    expect(text).toMatch(/history service/);
    expect(text).toMatch(/PostgreSQL/);
  });

  it('on the dev stack, names the dev server and its SQLite', () => {
    const text = ingestExplanation(slowIngestOn({ kind: 'started' })).join('\n');
    expect(text).toMatch(/Temporal dev server/);
    expect(text).toMatch(/SQLite/);
  });
});
