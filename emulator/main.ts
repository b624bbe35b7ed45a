/** Starts the local Stripe emulator: `npx tsx emulator/main.ts`. */
import { ConfigError } from '../config/env.js';
import { loadEmulatorConfig, type EmulatorConfig } from './config.js';
import { createStripeEmulator, type StripeEmulator } from './create-emulator.js';
import { StateFileError } from './persistence/state-file.js';

function loadConfigOrExit(): EmulatorConfig {
  try {
    return loadEmulatorConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

function createEmulatorOrExit(config: EmulatorConfig): StripeEmulator {
  try {
    return createStripeEmulator({
      webhookSecret: config.STRIPE_WEBHOOK_SECRET,
      webhookUrl: config.STRIPE_EMULATOR_WEBHOOK_URL,
      webhookRetry: {
        baseDelayMs: config.STRIPE_EMULATOR_WEBHOOK_RETRY_BASE_MS,
        maxAttempts: config.STRIPE_EMULATOR_WEBHOOK_MAX_ATTEMPTS,
        maxDelayMs: config.STRIPE_EMULATOR_WEBHOOK_MAX_DELAY_MS,
      },
      stateFile: config.STRIPE_EMULATOR_STATE_FILE,
      achSettlementSeconds: config.STRIPE_EMULATOR_ACH_SETTLEMENT_SECONDS,
      achCancelWindowSeconds: config.STRIPE_EMULATOR_ACH_CANCEL_WINDOW_SECONDS,
      achDisputeDelaySeconds: config.STRIPE_EMULATOR_ACH_DISPUTE_DELAY_SECONDS,
      achRefundSeconds: config.STRIPE_EMULATOR_ACH_REFUND_SECONDS,
      achMicrodepositType: config.STRIPE_EMULATOR_ACH_MICRODEPOSIT_TYPE,
      merchantCategory: config.STRIPE_EMULATOR_MERCHANT_CATEGORY,
      log: (line) => console.log(line),
    });
  } catch (error) {
    if (error instanceof StateFileError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const config = loadConfigOrExit();
const emulator = createEmulatorOrExit(config);
const listener = await emulator.listen(config.STRIPE_EMULATOR_PORT, config.STRIPE_EMULATOR_HOST);
console.log(
  `Stripe emulator listening on ${listener.url}` +
    (config.STRIPE_EMULATOR_WEBHOOK_URL
      ? ` (webhooks to ${config.STRIPE_EMULATOR_WEBHOOK_URL})`
      : ' (webhooks recorded only)') +
    (config.STRIPE_EMULATOR_STATE_FILE
      ? `, state kept in ${config.STRIPE_EMULATOR_STATE_FILE}`
      : ', state in memory only'),
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`Stripe emulator: ${signal} received, shutting down`);
  // Stop taking requests first, so the state file's final write sees every change.
  await listener.close();
  try {
    await emulator.close();
  } catch (error) {
    console.error(`Stripe emulator: could not save its state: ${String(error)}`);
    process.exit(1);
  }
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
