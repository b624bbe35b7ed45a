/**
 * CPU time spent by each process of the stack over a stretch of the run, read from /proc (Linux):
 * says where the two cores went while a figure was measured.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds one group of processes used. */
export interface CpuShare {
  label: string;
  seconds: number;
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** One process as /proc/<pid>/stat shows it. */
export interface ProcessTicks {
  comm: string;
  /** User + system CPU ticks so far. */
  ticks: number;
  /** When the process started (ticks after boot): tells a reused pid from the same process. */
  startTime: number;
}

/**
 * Reads one /proc/<pid>/stat line. The command name is not an identity: a kernel worker's changes
 * with the work queue it serves (`kworker/u8:2-events_unbound`, then `kworker/u8:2-writeback`).
 */
export function parseProcessStat(stat: string): ProcessTicks {
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  // Fields after the command: state is index 0, so utime (14th field) is index 11, stime index 12, starttime (22nd) index 19.
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    ticks: Number(fields[11]) + Number(fields[12]),
    startTime: Number(fields[19]),
  };
}

/** Every process's command name and user + system CPU ticks so far; empty where /proc is absent. */
export function cpuSnapshot(): Map<number, ProcessTicks> {
  const snapshot = new Map<number, ProcessTicks>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return snapshot;
  }
  for (const pid of pids) {
    try {
      snapshot.set(Number(pid), parseProcessStat(readFileSync(`/proc/${pid}/stat`, 'utf8')));
    } catch {
      // The process ended between listing and reading.
    }
  }
  return snapshot;
}

/**
 * CPU seconds used between `before` and `now` (by default, this moment), grouped by `labelOf(pid, comm)`
 * (null leaves a process out), largest first; processes started since count from zero.
 */
export function cpuSince(
  before: Map<number, ProcessTicks>,
  labelOf: (pid: number, comm: string) => string | null,
  now: Map<number, ProcessTicks> = cpuSnapshot(),
): CpuShare[] {
  const byLabel = new Map<string, number>();
  for (const [pid, current] of now) {
    const earlier = before.get(pid);
    const used = current.ticks - (earlier?.startTime === current.startTime ? earlier.ticks : 0);
    const label = used > 0 ? labelOf(pid, current.comm) : null;
    if (label !== null) byLabel.set(label, (byLabel.get(label) ?? 0) + used / TICKS_PER_SECOND);
  }
  return [...byLabel].map(([label, seconds]) => ({ label, seconds })).sort((a, b) => b.seconds - a.seconds);
}
