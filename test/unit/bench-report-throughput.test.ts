/**
 * The benchmark report says where one booking's CPU went at the peak step, process by process,
 * beside the floor's at the same concurrency; and why the relay lag of the stray burst misses its target.
 */
import { describe, expect, it } from 'vitest';
import { burstSettlement, relayLagTrade, stepCpuLines } from '../../bench/report.js';
import type { StepResult } from '../../bench/booking-traffic.js';
import type { BenchResults } from '../../bench/run-bench.js';

const latency = { count: 20, p50: 1, p95: 1, p99: 1, max: 1 };

function step(
  path: StepResult['path'],
  concurrency: number,
  heldPerSecond: number,
  cpu?: StepResult['cpu'],
): StepResult {
  return {
    path,
    concurrency,
    bookings: 40,
    heldPerSecond,
    releasedPerSecond: heldPerSecond / 2,
    createLatency: latency,
    createToHeld: latency,
    failures: 0,
    cpu,
  };
}

function resultsWith(steps: StepResult[]): BenchResults {
  return { steps, machine: { cores: 2 } } as unknown as BenchResults;
}

describe('the CPU per booking of the benchmark report', () => {
  it('divides each process’s CPU over the peak step by its bookings, beside the floor’s at that concurrency', () => {
    const lines = stepCpuLines(
      resultsWith([
        step('booking', 4, 8, { shares: [{ label: 'booking worker', seconds: 2 }], wallSeconds: 5 }),
        step('floor', 4, 12, { shares: [{ label: 'floor worker', seconds: 0.4 }], wallSeconds: 4 }),
        step('booking', 8, 10, {
          shares: [
            { label: 'Temporal dev server', seconds: 1.2 },
            { label: 'booking worker', seconds: 4 },
          ],
          wallSeconds: 4,
        }),
        step('floor', 8, 20, { shares: [{ label: 'Temporal dev server', seconds: 0.8 }], wallSeconds: 2 }),
      ]),
    ).join('\n');
    expect(lines).toMatch(/at concurrency 8/);
    expect(lines).toContain('| booking worker | 100 ms | 0.0 ms |');
    expect(lines).toContain('| Temporal dev server | 30 ms | 20 ms |');
    expect(lines).toContain('| **all** | **130 ms** | **20 ms** |');
    // 5.2 CPU seconds in 4 s on 2 cores; 0.8 in 2 s.
    expect(lines).toMatch(/busy 65 % of the bookings' step and 20 % of the floor's/);
  });

  it('says nothing for a report whose steps carry no CPU figures', () => {
    expect(stepCpuLines(resultsWith([step('booking', 1, 3), step('floor', 1, 3)]))).toEqual([]);
  });
});

describe('the relay lag explanation of the benchmark report', () => {
  const lag = (p99: number) => ({ count: 3000, p50: p99 / 2, p95: p99, p99, max: p99 });
  const ingest = {
    events: 3000,
    concurrency: 32,
    acceptedPerSecond: 700,
    rejected: 0,
    latency: lag(145),
    relayLag: lag(5_678),
    relayLagOnceDue: lag(5_678),
    drainedAfterMs: 10_300,
  };

  it('puts the lag on the signals each stray costs, per event, at the rate the relay reached alone', () => {
    const text = relayLagTrade({
      ingest,
      ingestCpu: [
        { label: 'Temporal dev server', seconds: 9.6 },
        { label: 'booking worker', seconds: 3.9 },
        { label: 'PostgreSQL', seconds: 2 },
      ],
      ingestRelayPaused: { ...ingest, latency: lag(47), drainAfterResumeMs: 12_000 },
    }).join('\n');
    expect(text).toMatch(/each signal cost 3\.2 ms of Temporal's CPU and 1\.3 ms of the booking worker's/);
    expect(text).toMatch(/signalled the paused burst at 250\.0 events\/s/);
    expect(text).toMatch(/no webhook a workflow may need is dropped/);
  });

  it('divides the CPU by the signalled events only, once the burst counts those recorded unsignalled', () => {
    const text = relayLagTrade({
      ingest: { ...ingest, outcomes: { handled: 2_000, relayed: 1_000 } },
      ingestCpu: [
        { label: 'Temporal dev server', seconds: 3.2 },
        { label: 'booking worker', seconds: 1.3 },
      ],
      ingestRelayPaused: { unmeasured: 'x' },
    }).join('\n');
    expect(text).toMatch(/1000 events of this burst were signalled, and each signal cost 3\.2 ms of Temporal's CPU/);
  });

  it('puts the lag on the relay alone when no event of the burst was signalled', () => {
    const text = relayLagTrade({
      ingest: { ...ingest, outcomes: { handled: 3_000 } },
      ingestCpu: [],
      ingestRelayPaused: { unmeasured: 'x' },
    }).join('\n');
    expect(text).toMatch(/No event of this burst was signalled/);
    expect(text).toMatch(/the relay emptied the inbox 10\.3 s after the first event/);
  });

  it('says how many events of the burst were recorded unsignalled and how many were signalled, with the grace only for those', () => {
    const settled = burstSettlement({ ...ingest, outcomes: { handled: 3_000 } });
    expect(settled).toMatch(/\*\*3000\*\* were recorded as `handled` without a signal/);
    expect(settled).toMatch(/\*\*0\*\* were signalled/);
    expect(settled).not.toMatch(/RELAY_UNLEARNED_GRACE_MS/);
    expect(burstSettlement({ ...ingest, outcomes: { handled: 2_990, relayed: 10 } })).toMatch(
      /each signalled event first waits `RELAY_UNLEARNED_GRACE_MS`/,
    );
  });

  it('says nothing when the lag met its target', () => {
    expect(
      relayLagTrade({
        ingest: { ...ingest, relayLag: lag(900) },
        ingestCpu: [],
        ingestRelayPaused: { unmeasured: 'x' },
      }),
    ).toEqual([]);
  });
});
