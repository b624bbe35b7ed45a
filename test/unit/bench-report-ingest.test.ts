/**
 * The benchmark report's explanation of a webhook ingest below target names the Temporal that ran:
 * the dev server (SQLite) on the dev stack, the cluster's services on PostgreSQL on the cluster.
 */
import { describe, expect, it } from 'vitest';
import { ingestExplanation, ingestFloorSection } from '../../bench/report.js';
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

  it("compares with the same receiver's burst with the relay paused, when the run measured one", () => {
    const paused = { events: 3000, concurrency: 32, acceptedPerSecond: 1744.1, rejected: 0, latency: latency(34) };
    const floor = { ...paused, acceptedPerSecond: 1690.4, latency: latency(43) };
    const text = ingestExplanation({
      ...slowIngestOn({ kind: 'started' }),
      ingestFloor: floor,
      ingestRelayPaused: { ...paused, drainAfterResumeMs: 24_400 },
    }).join('\n');
    expect(text).toContain('With the relay paused the same receiver took 1744.1 events/s, p99 34 ms (1.03 × the floor');
    expect(ingestExplanation(slowIngestOn({ kind: 'started' })).join('\n')).not.toContain('relay paused');
  });

  it('puts the miss on the relay passes, not on signals, when no event of the burst was signalled, and names a floor that missed too', () => {
    const slow = slowIngestOn({ kind: 'started' });
    const text = ingestExplanation({
      ...slow,
      ingest: { ...slow.ingest, outcomes: { handled: 3000 } },
      ingestFloor: { events: 3000, concurrency: 32, acceptedPerSecond: 1225, rejected: 0, latency: latency(59) },
      ingestRelayPaused: { ...slow.ingest, latency: latency(54), drainAfterResumeMs: 1000 },
    }).join('\n');
    expect(text).toMatch(/No event of this burst became a signal/);
    expect(text).not.toMatch(/became a signal \(each carried/);
    expect(text).toMatch(/The floor itself answered with p99 59 ms/);
    expect(text).toMatch(/the difference is the relay's passes/);
  });

  it('on the dev stack, names the dev server and its SQLite', () => {
    const text = ingestExplanation(slowIngestOn({ kind: 'started' })).join('\n');
    expect(text).toMatch(/Temporal dev server/);
    expect(text).toMatch(/SQLite/);
  });
});

describe('the ingest floor section of the benchmark report', () => {
  const rateOf = (acceptedPerSecond: number, p99: number) => ({
    events: 3000,
    concurrency: 32,
    acceptedPerSecond,
    rejected: 0,
    latency: latency(p99),
  });
  const running = { ...rateOf(1500, 40), relayLag: latency(900), drainedAfterMs: 4_000 };

  it('puts the floor and the API with its relay paused and running in one table, each with its ratio to the floor', () => {
    const text = ingestFloorSection({
      ingest: running,
      ingestFloor: rateOf(6000, 14),
      ingestRelayPaused: { ...rateOf(3000, 20), drainAfterResumeMs: 3_000 },
      relayInterval: 'every 200 ms',
    }).join('\n');
    expect(text).toContain('| ingest floor | 6000.0 | 4.7 ms | 14 ms | 1.00 | 0 |');
    expect(text).toContain('| API, relay paused | 3000.0 | 6.7 ms | 20 ms | 0.50 | 0 |');
    expect(text).toContain('| API, relay running | 1500.0 | 13 ms | 40 ms | 0.25 | 0 |');
    expect(text).toMatch(/settled the paused burst in 3\.0 s \(1000\.0 events\/s/);
  });

  it('says why the paused figures are missing where the bench could not pause the relay', () => {
    const text = ingestFloorSection({
      ingest: running,
      ingestFloor: rateOf(6000, 14),
      ingestRelayPaused: { unmeasured: 'not measured on the cluster' },
      relayInterval: 'every 200 ms',
    }).join('\n');
    expect(text).toContain('| API, relay paused | not measured on the cluster |');
    expect(text).not.toMatch(/settled the paused burst/);
  });
});
