/**
 * The bench's CPU by process: a process is known by its pid and start time, not its command name,
 * which a kernel worker changes with the work queue it serves.
 */
import { describe, expect, it } from 'vitest';
import { cpuSince, parseProcessStat, type ProcessTicks } from '../../bench/process-cpu.js';

/** A /proc/<pid>/stat line with these times (the fields the bench reads, the rest zero). */
function statLine(pid: number, comm: string, utime: number, stime: number, startTime: number): string {
  const fields = Array.from({ length: 50 }, () => '0');
  fields[0] = 'S';
  fields[11] = String(utime);
  fields[12] = String(stime);
  fields[19] = String(startTime);
  return `${pid} (${comm}) ${fields.join(' ')}`;
}

const snapshot = (...lines: Array<[number, string]>) =>
  new Map<number, ProcessTicks>(lines.map(([pid, line]) => [pid, parseProcessStat(line)]));
const byComm = (_pid: number, comm: string) => comm;

describe('CPU by process', () => {
  it('reads utime + stime and the start time, with a command name holding spaces and parentheses', () => {
    expect(parseProcessStat(statLine(7, 'node (worker) main', 250, 50, 12_345))).toEqual({
      comm: 'node (worker) main',
      ticks: 300,
      startTime: 12_345,
    });
  });

  it('counts only what a kernel worker used since, though its name changed with its work queue', () => {
    const before = snapshot([40, statLine(40, 'kworker/u8:2-events_unbound', 0, 9_000, 100)]);
    const after = snapshot([40, statLine(40, 'kworker/u8:2-writeback', 0, 9_050, 100)]);
    expect(cpuSince(before, byComm, after)).toEqual([{ label: 'kworker/u8:2-writeback', seconds: 0.5 }]);
  });

  it('counts a pid reused by a new process from zero', () => {
    const before = snapshot([41, statLine(41, 'node', 5_000, 0, 100)]);
    const after = snapshot([41, statLine(41, 'node', 30, 0, 9_999)]);
    expect(cpuSince(before, byComm, after)).toEqual([{ label: 'node', seconds: 0.3 }]);
  });
});
