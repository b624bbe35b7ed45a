/** Every chaos scenario, in the order `npm run chaos` runs them. */
import type { SystemUnderTest } from '../harness/system-under-test.js';
import type { ChaosSystem } from './chaos-system.js';
import { runApiKill } from './api-kill.js';
import { runBadApiInput } from './bad-api-input.js';
import { runBankFaults } from './bank-faults.js';
import { runDuplicateAndShuffledWebhooks } from './duplicate-and-shuffled-webhooks.js';
import { runEventOrderings } from './event-orderings.js';
import { runHostileWebhooks } from './hostile-webhooks.js';
import { runLogScan } from './log-scan.js';
import { runNonDeterministicChange } from './non-deterministic-change.js';
import { runPostgresOutage } from './postgres-outage.js';
import { runStripeFaults } from './stripe-faults.js';
import { runStripeTimeouts } from './stripe-timeouts.js';
import { runTemporalOutage } from './temporal-outage.js';
import type { ChaosScale, ScenarioReport } from './scenario-report.js';
import { runWorkerKill } from './worker-kill.js';

/** A named scenario and how to run it. */
export interface ChaosScenario {
  name: string;
  /** `chaos` gives the worker process (to kill and restart) and the captured log lines. */
  run(system: SystemUnderTest, scale: ChaosScale, chaos: ChaosSystem): Promise<ScenarioReport>;
}

/** The scenarios, by the name `npm run chaos -- <name>` selects. */
export const chaosScenarios: ChaosScenario[] = [
  { name: 'duplicate-webhooks', run: runDuplicateAndShuffledWebhooks },
  { name: 'event-orderings', run: (system) => runEventOrderings(system) },
  { name: 'hostile-webhooks', run: runHostileWebhooks },
  { name: 'stripe-faults', run: (system, scale) => runStripeFaults(system, scale) },
  { name: 'stripe-timeouts', run: runStripeTimeouts },
  { name: 'bank-faults', run: runBankFaults },
  { name: 'temporal-outage', run: runTemporalOutage },
  { name: 'postgres-outage', run: runPostgresOutage },
  { name: 'bad-api-input', run: runBadApiInput },
  { name: 'non-deterministic-change', run: () => runNonDeterministicChange() },
  { name: 'worker-kill', run: runWorkerKill },
  { name: 'api-kill', run: runApiKill },
  // Last: it scans the lines every earlier scenario made the processes write.
  { name: 'log-scan', run: (system, _scale, chaos) => runLogScan(system, chaos) },
];
