/** The emulator process's environment, parsed once with zod. */
import { z } from 'zod';
import { parseEnv } from '../config/env.js';
import { MERCHANT_CATEGORIES } from './payments/authorization-validity.js';

const emulatorSchema = z.object({
  STRIPE_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(12111),
  /** Interface to listen on. */
  STRIPE_EMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  /** Secret that signs webhooks; the API verifies with the same value. */
  STRIPE_WEBHOOK_SECRET: z.string().min(1),
  /** Where events are POSTed, e.g. http://localhost:3000/v1/webhooks/stripe; unset records them only. */
  STRIPE_EMULATOR_WEBHOOK_URL: z.string().url().optional(),
  /** Delay before the first webhook retry, doubling on each further attempt. */
  STRIPE_EMULATOR_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().positive().default(1000),
  STRIPE_EMULATOR_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().positive().default(6),
  /** Longest delay between two webhook attempts; unset lets the doubling grow without a cap. */
  STRIPE_EMULATOR_WEBHOOK_MAX_DELAY_MS: z.coerce.number().int().positive().optional(),
  /** JSON file that keeps Stripe state across restarts; unset keeps it in memory only. */
  STRIPE_EMULATOR_STATE_FILE: z.string().min(1).optional(),
  /** Seconds a bank debit stays `processing` before it settles; unset: 4 business days. */
  STRIPE_EMULATOR_ACH_SETTLEMENT_SECONDS: z.coerce.number().int().min(0).optional(),
  /** Seconds a processing bank debit can still be canceled; default 3600. */
  STRIPE_EMULATOR_ACH_CANCEL_WINDOW_SECONDS: z.coerce.number().int().min(0).optional(),
  /** Seconds from the dispute test account's settlement to its dispute; default 86400. */
  STRIPE_EMULATOR_ACH_DISPUTE_DELAY_SECONDS: z.coerce.number().int().min(0).optional(),
  /** Seconds for a bank refund to reach the customer's bank; unset: 1 business day. */
  STRIPE_EMULATOR_ACH_REFUND_SECONDS: z.coerce.number().int().min(0).optional(),
  /** `descriptor_code` (default) or `amounts`: what the microdeposits carry. */
  STRIPE_EMULATOR_ACH_MICRODEPOSIT_TYPE: z.enum(['descriptor_code', 'amounts']).optional(),
  /** The account's merchant category, which decides extended authorizations; default `general`. */
  STRIPE_EMULATOR_MERCHANT_CATEGORY: z.enum(MERCHANT_CATEGORIES).optional(),
});

/** Typed configuration of the emulator process. */
export type EmulatorConfig = z.infer<typeof emulatorSchema>;

/** The emulator's configuration from the environment, or a ConfigError naming each bad variable. */
export function loadEmulatorConfig(env: NodeJS.ProcessEnv = process.env): EmulatorConfig {
  return parseEnv('stripe-emulator', emulatorSchema, env);
}
