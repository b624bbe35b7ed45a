/** Emulator time: real time plus an offset that tests move forward to reach deadlines. */

/** The emulator's notion of "now", in Stripe's unix seconds. */
export interface EmulatorClock {
  /** Current emulator time in unix seconds. */
  nowSeconds(): number;
  /** Current emulator time in milliseconds since the epoch. */
  nowMs(): number;
  /** Seconds the emulator runs ahead of real time. */
  offsetSeconds(): number;
  /** Moves emulator time forward by `seconds` (never backwards). */
  advance(seconds: number): void;
  /** Puts emulator time back on real time. */
  reset(): void;
}

/** A clock on top of `realNowMs` (Date.now by default) with an advanceable offset. */
export function createEmulatorClock(realNowMs: () => number = Date.now): EmulatorClock {
  let offset = 0;
  return {
    nowMs: () => realNowMs() + offset * 1000,
    nowSeconds: () => Math.floor((realNowMs() + offset * 1000) / 1000),
    offsetSeconds: () => offset,
    advance(seconds) {
      if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError('the clock only moves forward');
      offset += seconds;
    },
    reset() {
      offset = 0;
    },
  };
}
