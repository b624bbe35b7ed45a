/** Starts the system under test for chaos scenarios, with the API's log lines captured for scanning. */
import { createJsonLogger } from '../api/logger.js';
import { startSystemUnderTest, type SystemUnderTest } from '../test/support/system-under-test.js';

/** The system and every log line the API and its relay wrote. */
export interface ChaosSystem {
  system: SystemUnderTest;
  apiLogLines: string[];
}

/** Starts the whole system (dev server, Postgres, emulator, worker, API) with captured API logs. */
export async function startChaosSystem(): Promise<ChaosSystem> {
  const apiLogLines: string[] = [];
  const system = await startSystemUnderTest({
    apiLogger: createJsonLogger('api', (line) => apiLogLines.push(line)),
    // Webhook retries every 2 s at most, for about 5 minutes: they outlive a Postgres outage of the API's inbox.
    emulator: { webhookRetry: { baseDelayMs: 200, maxDelayMs: 2_000, maxAttempts: 150 } },
    // Short, so the stripe-timeouts scenario's late answers outlast it in seconds, not minutes.
    stripeTimeoutMs: 2_000,
  });
  return { system, apiLogLines };
}
