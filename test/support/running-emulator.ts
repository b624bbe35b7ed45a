/** The Stripe emulator started in-process on a free port, with a `stripe` client pointed at it. */
import qs from 'qs';
import Stripe from 'stripe';
import { createStripeEmulator, type StripeEmulator, type StripeEmulatorOptions } from '../../emulator/create-emulator.js';

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
  stripeRequest(method: 'GET' | 'POST', path: string, params?: object, headers?: Record<string, string>): Promise<Response>;
  /** Calls the control API and returns its JSON (throws on a non-2xx answer). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read control answers loosely
  control<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
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
    async control(method, path, body) {
      const response = await fetch(`${listener.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`emulator ${method} ${path} answered ${response.status}: ${text}`);
      return JSON.parse(text);
    },
    async close() {
      await emulator.close();
      await listener.close();
    },
  };
}
