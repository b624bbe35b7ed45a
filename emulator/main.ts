/** Starts the local Stripe emulator: `npx tsx emulator/main.ts`. */
import { ConfigError } from '../config/env.js';
import { loadEmulatorConfig, type EmulatorConfig } from './config.js';
import { createStripeEmulator } from './create-emulator.js';

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

const config = loadConfigOrExit();
const emulator = createStripeEmulator({
  webhookSecret: config.STRIPE_WEBHOOK_SECRET,
  webhookUrl: config.STRIPE_EMULATOR_WEBHOOK_URL,
  webhookRetry: {
    baseDelayMs: config.STRIPE_EMULATOR_WEBHOOK_RETRY_BASE_MS,
    maxAttempts: config.STRIPE_EMULATOR_WEBHOOK_MAX_ATTEMPTS,
  },
  log: (line) => console.log(line),
});
const listener = await emulator.listen(config.STRIPE_EMULATOR_PORT, config.STRIPE_EMULATOR_HOST);
console.log(
  `Stripe emulator listening on ${listener.url}` +
    (config.STRIPE_EMULATOR_WEBHOOK_URL ? ` (webhooks to ${config.STRIPE_EMULATOR_WEBHOOK_URL})` : ' (webhooks recorded only)'),
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`Stripe emulator: ${signal} received, shutting down`);
  await emulator.close();
  await listener.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
