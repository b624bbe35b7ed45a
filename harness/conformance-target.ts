/**
 * The Stripe the conformance suite runs against: Stripe's own test mode when STRIPE_CONFORMANCE_KEY
 * holds a test secret key (`sk_test_…`), else the project's emulator started in-process. Both are
 * driven with the real `stripe` package through the product's payment gateway, so each assertion
 * reads what the workflows would read.
 */
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { createStripeEmulator } from '../emulator/create-emulator.js';
import { createPaymentGateway, type PaymentGateway } from '../stripe/payment-gateway.js';

/** A Stripe to assert against. */
export interface ConformanceTarget {
  /** `emulator` or `stripe test mode`, for test names and skip reasons. */
  name: 'emulator' | 'stripe test mode';
  /** Whether this is the emulator: some sequences can only be forced there (an injected 500, a clock). */
  emulated: boolean;
  stripe: Stripe;
  gateway: PaymentGateway;
  /** A key unique to this run (Stripe keeps keys 24 hours, so a rerun must not reuse one). */
  key(name: string): string;
  /** The emulator's control API; throws on Stripe's test mode. */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

const EMULATOR_SECRET_KEY = 'sk_test_conformance';

/** Starts (or connects to) the conformance target chosen by STRIPE_CONFORMANCE_KEY. */
export async function startConformanceTarget(): Promise<ConformanceTarget> {
  const run = randomBytes(6).toString('hex');
  const key = (name: string) => `conformance-${run}-${name}`;
  const liveKey = process.env.STRIPE_CONFORMANCE_KEY;
  if (liveKey) {
    if (!liveKey.startsWith('sk_test_'))
      throw new Error('STRIPE_CONFORMANCE_KEY must be a test-mode secret key (sk_test_…)');
    const stripe = new Stripe(liveKey, {
      maxNetworkRetries: 0,
      telemetry: false,
      appInfo: { name: 'booking-payments-conformance' },
    });
    return {
      name: 'stripe test mode',
      emulated: false,
      stripe,
      gateway: createPaymentGateway(stripe),
      key,
      control: () => Promise.reject(new Error("Stripe's test mode has no emulator control API")),
      close: async () => undefined,
    };
  }
  const emulator = createStripeEmulator({ webhookSecret: 'whsec_conformance', apiKeys: [EMULATOR_SECRET_KEY] });
  const listener = await emulator.listen(0);
  const url = new URL(listener.url);
  const stripe = new Stripe(EMULATOR_SECRET_KEY, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
  return {
    name: 'emulator',
    emulated: true,
    stripe,
    gateway: createPaymentGateway(stripe),
    key,
    async control<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${listener.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as T;
    },
    async close() {
      await listener.close();
      await emulator.close();
    },
  };
}
