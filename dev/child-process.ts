/**
 * Long-running child processes for the dev stack and the integration tests: each runs in its own
 * process group (so `tsx`'s inner node process and a server's helpers stop with it), its output
 * lines are prefixed with its name, and the last lines are kept for error messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How a managed child ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** What to run and how to show its output. */
export interface ChildSpec {
  /** Short name used as the output prefix and in errors, e.g. `api`. */
  name: string;
  command: string;
  args?: string[];
  /** Full environment of the child; defaults to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this user and group (only when this process may switch to them, i.e. as root). */
  uid?: number;
  gid?: number;
  /** Print the child's output with a `[name]` prefix (default true); it is always kept in `recentOutput()`. */
  echo?: boolean;
  /** Where echoed lines go; defaults to this process's stdout. */
  sink?: (line: string) => void;
  /** Called with every output line, unprefixed, echoed or not (e.g. to keep them all for a scan). */
  onLine?: (line: string) => void;
}

/** A running child process with a clean way to stop it. */
export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  /** Settles when the child exits, however that happens. */
  readonly exited: Promise<ChildExit>;
  /** True until the child has exited. */
  isRunning(): boolean;
  /** Signals the whole process group, waits up to `timeoutMs`, then kills it. Safe to call twice. */
  stop(options?: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<ChildExit>;
  /** The child's most recent output lines (stdout and stderr), oldest first. */
  recentOutput(): string;
}

const KEPT_LINES = 200;
const PREFIX_COLOURS = [36, 35, 33, 32, 34, 31];
const liveGroups = new Set<number>();
let exitHookInstalled = false;
let colourIndex = 0;

/** Kills every still-running child group when this process exits, so none is left orphaned. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) signalGroup(pid, 'SIGKILL');
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Starts `spec` as a managed child in its own process group. */
export function startChild(spec: ChildSpec): ManagedChild {
  installExitHook();
  const echo = spec.echo ?? true;
  const colour = PREFIX_COLOURS[colourIndex++ % PREFIX_COLOURS.length];
  const prefix = process.stdout.isTTY ? `\x1b[${colour}m[${spec.name}]\x1b[0m ` : `[${spec.name}] `;
  const sink = spec.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const kept: string[] = [];

  const child: ChildProcess = spawn(spec.command, spec.args ?? [], {
    cwd: spec.cwd,
    uid: spec.uid,
    gid: spec.gid,
    env: spec.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) {
    // spawn reports ENOENT/EACCES as an 'error' event; without a pid nothing was started.
    child.once('error', () => undefined);
    throw new Error(`${spec.name}: could not start ${spec.command}`);
  }
  const pid = child.pid;
  liveGroups.add(pid);
  let running = true;

  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      kept.push(line);
      if (kept.length > KEPT_LINES) kept.shift();
      spec.onLine?.(line);
      if (echo) sink(`${prefix}${line}`);
    });
  }

  const exited = new Promise<ChildExit>((resolve) => {
    child.once('error', (error) => {
      kept.push(`${spec.name}: ${error.message}`);
      running = false;
      liveGroups.delete(pid);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      liveGroups.delete(pid);
      // Helpers left in the group (e.g. tsx's inner node) must not outlive the child.
      signalGroup(pid, 'SIGKILL');
      resolve({ code, signal });
    });
  });

  return {
    name: spec.name,
    pid,
    exited,
    isRunning: () => running,
    recentOutput: () => kept.join('\n'),
    async stop({ signal = 'SIGTERM', timeoutMs = 10_000 } = {}) {
      if (!running) return exited;
      signalGroup(pid, signal);
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Describes an exit for humans: `exit code 1` or `signal SIGKILL`. */
export function describeExit(exit: ChildExit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'failed to start' : `exit code ${exit.code}`;
}
