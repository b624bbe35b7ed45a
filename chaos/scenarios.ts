/** Every chaos scenario, in the order `npm run chaos` runs them. */
import type { SystemUnderTest } from '../test/support/system-under-test.js';
import { runBadApiInput } from './bad-api-input.js';
import { runDuplicateAndShuffledWebhooks } from './duplicate-and-shuffled-webhooks.js';
import { runHostileWebhooks } from './hostile-webhooks.js';
import { runNonDeterministicChange } from './non-deterministic-change.js';
import { runPostgresOutage } from './postgres-outage.js';
import { runStripeFaults } from './stripe-faults.js';
import { runStripeTimeouts } from './stripe-timeouts.js';
import { runTemporalOutage } from './temporal-outage.js';
import type { ChaosScale, ScenarioReport } from './scenario-report.js';

/** A named scenario and how to run it. */
export interface ChaosScenario {
  name: string;
  run(system: SystemUnderTest, scale: ChaosScale, context: { apiLogLines: string[] }): Promise<ScenarioReport>;
}

/** The scenarios, by the name `npm run chaos -- <name>` selects. */
export const chaosScenarios: ChaosScenario[] = [
  { name: 'duplicate-webhooks', run: runDuplicateAndShuffledWebhooks },
  { name: 'hostile-webhooks', run: runHostileWebhooks },
  { name: 'stripe-faults', run: (system, scale) => runStripeFaults(system, scale) },
  { name: 'stripe-timeouts', run: runStripeTimeouts },
  { name: 'temporal-outage', run: runTemporalOutage },
  { name: 'postgres-outage', run: runPostgresOutage },
  { name: 'bad-api-input', run: runBadApiInput },
  { name: 'non-deterministic-change', run: () => runNonDeterministicChange() },
];
