/**
 * The Stripe emulator started in-process on a free port, with a `stripe` client pointed at it, and
 * the helpers the emulator's tests share: one emulator per test file, reset before each test.
 */
import qs from 'qs';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '../emulator/create-emulator.js';

/** A response body as the `stripe` package received it over HTTP. */
export interface RecordedResponse {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

/** A listening emulator and helpers to drive it. */
export interface RunningEmulator {
  emulator: StripeEmulator;
  url: string;
  /** A `stripe` client that talks to the emulator, with network retries off. */
  stripe: Stripe;
  /** Every JSON body the client received, in order. */
  responses: RecordedResponse[];
  /** Sends a form-encoded Stripe API request directly (to see raw bodies and headers). */
  stripeRequest(
    method: 'GET' | 'POST',
    path: string,
    params?: object,
    headers?: Record<string, string>,
  ): Promise<Response>;
  /** Calls the control API and returns its JSON (throws on a non-2xx answer). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read control answers loosely
  control<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** The PaymentIntents whose `metadata.booking_id` is `bookingId`, as the control API lists them. */
  paymentIntentsFor(bookingId: string): Promise<Array<{ id: string; status: string }>>;
  close(): Promise<void>;
}

/** Parameters of a booking's $1 card hold, confirmed at once, as the emulator's tests create it. */
export function holdParams(bookingId: string, paymentMethod = 'pm_card_visa') {
  return {
    amount: 100,
    currency: 'usd',
    capture_method: 'manual' as const,
    payment_method: paymentMethod,
    confirm: true,
    metadata: { booking_id: bookingId },
  } satisfies Stripe.PaymentIntentCreateParams;
}

/** Test secret key accepted by the emulator. */
export const TEST_SECRET_KEY = 'sk_test_emulator_tests';

/** Starts an emulator with `options` (a test webhook secret by default). */
export async function startRunningEmulator(options: Partial<StripeEmulatorOptions> = {}): Promise<RunningEmulator> {
  const emulator = createStripeEmulator({ webhookSecret: 'whsec_emulator_tests', ...options });
  const listener = await emulator.listen(0);
  const url = new URL(listener.url);
  const responses: RecordedResponse[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const text = await response.clone().text();
    const requestUrl = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    responses.push({
      method: init?.method ?? 'GET',
      path: requestUrl.pathname,
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
    });
    return response;
  };
  const stripe = new Stripe(TEST_SECRET_KEY, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
    httpClient: Stripe.createFetchHttpClient(recordingFetch),
  });
  const control: RunningEmulator['control'] = async (method, path, body) => {
    const response = await fetch(`${listener.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator ${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  };
  return {
    emulator,
    url: listener.url,
    stripe,
    responses,
    stripeRequest(method, path, params = {}, headers = {}) {
      const encoded = qs.stringify(params, { arrayFormat: 'indices' });
      return fetch(`${listener.url}${path}${method === 'GET' && encoded ? `?${encoded}` : ''}`, {
        method,
        headers: {
          authorization: `Bearer ${TEST_SECRET_KEY}`,
          ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...headers,
        },
        body: method === 'POST' ? encoded : undefined,
      });
    },
    control,
    async paymentIntentsFor(bookingId) {
      const listed = await control<{ data: Array<{ id: string; status: string }> }>(
        'GET',
        `/_emulator/payment_intents?booking_id=${encodeURIComponent(bookingId)}`,
      );
      return listed.data;
    },
    async close() {
      await emulator.close();
      await listener.close();
    },
  };
}

/**
 * Registers the hooks of a test file that drives one emulator: started before all tests (with
 * `options`, read then, so they may name a receiver started by an earlier hook), reset before each
 * test, closed after all. Returns the emulator; its members are usable from the first test on.
 */
export function useRunningEmulator(
  options: Partial<StripeEmulatorOptions> | (() => Partial<StripeEmulatorOptions>) = {},
): RunningEmulator {
  let started: RunningEmulator | undefined;
  const current = (): RunningEmulator => {
    if (!started) throw new Error('the emulator starts in beforeAll; use it inside tests and hooks');
    return started;
  };
  beforeAll(async () => {
    started = await startRunningEmulator(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await started?.close();
  });
  beforeEach(async () => {
    await current().control('POST', '/_emulator/reset');
  });
  return {
    get emulator() {
      return current().emulator;
    },
    get url() {
      return current().url;
    },
    get stripe() {
      return current().stripe;
    },
    get responses() {
      return current().responses;
    },
    stripeRequest: (...args) => current().stripeRequest(...args),
    control: (...args) => current().control(...args),
    paymentIntentsFor: (bookingId) => current().paymentIntentsFor(bookingId),
    close: () => current().close(),
  };
}

/** Runs `call`, expecting Stripe to refuse it; returns the error thrown by the `stripe` package. */
export async function refusal(call: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected Stripe to refuse the request');
}
