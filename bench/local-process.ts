/**
 * Processes on this machine, read from /proc (Linux): which process listens on a TCP port (so the
 * bench can find a reused stack's worker and API) and how much memory one holds.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** VmRSS of a process, in bytes. */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** The state /proc/net/tcp gives a listening socket. */
const TCP_LISTEN = '0A';

/** Inodes of sockets listening on `port` (any local address, IPv4 or IPv6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
      const localPort = Number.parseInt(fields[1].split(':').at(-1) ?? '', 16);
      if (localPort === port) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * The pid of the process listening on TCP `port` on this machine, or null when none is found:
 * nothing listens there, /proc is absent, or the process belongs to another user (its file
 * descriptors cannot be read).
 */
export function listeningPid(port: number): number | null {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return null;
  const sockets = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let descriptors: string[] = [];
    try {
      descriptors = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or it ended
    }
    for (const fd of descriptors) {
      try {
        if (sockets.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        // The descriptor closed between listing and reading.
      }
    }
  }
  return null;
}
