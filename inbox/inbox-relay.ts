/**
 * The inbox relay: moves pending Stripe events from the Postgres inbox into their bookings' (or,
 * for SetupIntent events, their payment-method setups') workflows as signals. It runs a pass
 * (relay-pass.ts) on a timer and whenever the webhook says new events are waiting; an event that
 * cannot be delivered yet backs off exponentially, and so do passes while the database fails (relay-retry.ts).
 */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { ApiConfig } from '../config/env.js';
import { describeError, silentLogger, type Logger } from '../telemetry/logger.js';
import { everyWorkerRecordsCreations } from './creation-recording-workers.js';
import { handledCount, runRelayPass, type RelayMetrics, type RelayPassDeps } from './relay-pass.js';
import { DEFAULT_RELAY_RETRY, passBackoffMs, type RelayRetryPolicy } from './relay-retry.js';

/** What the relay needs. */
export interface InboxRelayOptions {
  db: pg.Pool;
  temporal: Client;
  config: Pick<
    ApiConfig,
    'RELAY_INTERVAL_MS' | 'RELAY_BATCH_SIZE' | 'TEMPORAL_RPC_TIMEOUT_MS' | 'TEMPORAL_TASK_QUEUE'
  > &
    Partial<Pick<ApiConfig, 'RELAY_UNLEARNED_GRACE_MS'>>;
  logger?: Logger;
  retry?: RelayRetryPolicy;
  /** Counts outcomes (and the delay of relayed events) once they are committed, and failed passes. */
  metrics?: RelayMetrics;
  /**
   * Whether every worker records its PaymentIntent creations (see RelayPassDeps); by default, asked of
   * the pollers of TEMPORAL_TASK_QUEUE (creation-recording-workers.ts).
   */
  creationsRecorded?: RelayPassDeps['creationsRecorded'];
}

/** A running relay. */
export interface InboxRelay {
  /** Stops the timer and waits for passes in flight to finish. */
  stop(): Promise<void>;
  /**
   * Says new events are waiting (the webhook's fast path): starts a pass unless the nudged one is
   * still running, in which case one more follows it. However many webhooks arrive at once, nudges
   * hold at most one database connection, so the receiver keeps the rest of the pool.
   */
  nudge(): void;
}

/** Starts relaying: one pass every RELAY_INTERVAL_MS (back to back while full batches keep coming). */
export function startInboxRelay({
  db,
  temporal,
  config,
  logger = silentLogger,
  retry = DEFAULT_RELAY_RETRY,
  metrics,
  creationsRecorded = everyWorkerRecordsCreations(temporal, config.TEMPORAL_TASK_QUEUE, logger),
}: InboxRelayOptions): InboxRelay {
  const passDeps: RelayPassDeps = { db, temporal, config, logger, retry, metrics, creationsRecorded };
  const inFlight = new Set<Promise<unknown>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  /** A pass, tracked so that `stop` can wait for it. */
  const trackedPass = () => {
    const work = runRelayPass(passDeps);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };

  let consecutiveFailures = 0;
  /** The timer's passes: the next one at once after a full batch, later after a short one, backing off while they fail. */
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void trackedPass()
        .then((result) => {
          consecutiveFailures = 0;
          schedule(handledCount(result) >= config.RELAY_BATCH_SIZE ? 0 : config.RELAY_INTERVAL_MS);
        })
        .catch((error: unknown) => {
          // Postgres itself is failing: back off so an outage does not turn into a log flood.
          consecutiveFailures += 1;
          metrics?.countRelayPassFailure();
          logger.error('inbox relay pass failed', { error: describeError(error), consecutiveFailures });
          schedule(passBackoffMs(config.RELAY_INTERVAL_MS, consecutiveFailures));
        });
    }, delayMs);
  };

  schedule(0);

  /** The nudged pass in flight, and whether another nudge came while it ran. */
  let nudgedPass: Promise<unknown> | undefined;
  let nudgedAgain = false;
  const runNudgedPass = () => {
    nudgedAgain = false;
    nudgedPass = trackedPass()
      .then((result) => {
        // A full batch means more may be due than one pass took.
        if (handledCount(result) >= config.RELAY_BATCH_SIZE) nudgedAgain = true;
      })
      .catch((error: unknown) => {
        // The timer's passes retry with backoff; a nudge only says to start sooner.
        logger.warn('inbox relay nudge failed', { error: describeError(error) });
      })
      .finally(() => {
        nudgedPass = undefined;
        if (nudgedAgain && !stopped) runNudgedPass();
      });
  };

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
    nudge() {
      if (stopped) return;
      if (nudgedPass) nudgedAgain = true;
      else runNudgedPass();
    },
  };
}
