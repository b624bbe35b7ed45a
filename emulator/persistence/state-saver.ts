/**
 * Saves the emulator's state to its file after changes: at most once per `intervalMs`, one write at
 * a time, and a final write on close. Nothing is written after close, so a closed emulator can never
 * overwrite the file a newer one is using.
 */
import { encodeStateFile, writeStateFileAtomically, type EmulatorState } from './state-file.js';

/** What the saver needs. */
export interface StateSaverOptions {
  file: string;
  /** A snapshot of the state to save (taken when the write is due). */
  capture: () => EmulatorState;
  /** Shortest time between two writes; 200 ms by default. */
  intervalMs?: number;
  /** Reports failed background writes (the next change or close tries again). */
  log: (line: string) => void;
}

/** Writes the state file when told the state changed. */
export interface StateSaver {
  /** Notes that the state changed; a write follows within `intervalMs`. */
  changed(): void;
  /** Writes any unsaved change now and stops saving; rejects if that last write fails. */
  close(): Promise<void>;
}

/** A saver for one state file. */
export function createStateSaver(options: StateSaverOptions): StateSaver {
  const intervalMs = options.intervalMs ?? 200;
  let dirty = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  /** Captures now (so later changes cannot tear the snapshot) and queues the write behind the previous one. */
  const save = (): Promise<void> => {
    dirty = false;
    const text = encodeStateFile(options.capture());
    const write = writing.then(() => writeStateFileAtomically(options.file, text));
    writing = write.catch(() => undefined);
    return write;
  };

  return {
    changed() {
      if (closed) return;
      dirty = true;
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        save().catch((error: unknown) => {
          dirty = true;
          options.log(`stripe emulator: could not save state to ${options.file}: ${String(error)}`);
        });
      }, intervalMs);
      timer.unref();
    },
    async close() {
      if (closed) return writing;
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (dirty) return save();
      return writing;
    },
  };
}
