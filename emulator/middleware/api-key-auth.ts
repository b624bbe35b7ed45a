/**
 * Stripe's API key check: a test-mode secret or restricted key, as Bearer or Basic credentials, or a
 * publishable key (`pk_test_…`), which `publishableKeyScope` then confines to what Stripe.js may do.
 */
import type { MiddlewareHandler } from 'hono';
import type { StripeApiEnv } from '../stripe-api-env.js';
import { authenticationFailed } from '../stripe-errors.js';

const SERVER_TEST_KEY = /^(sk|rk)_test_[A-Za-z0-9_]+$/;
const PUBLISHABLE_TEST_KEY = /^pk_test_[A-Za-z0-9_]+$/;

/** Which kind of key a request presented: the server's secret (or restricted) key, or a browser's publishable key. */
export type ApiKeyKind = 'secret' | 'publishable';

/** Whether `key` is a test-mode publishable key, the only key Stripe.js holds. */
export function isPublishableTestKey(key: string): boolean {
  return PUBLISHABLE_TEST_KEY.test(key);
}

function presentedKey(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, credentials] = authorization.split(' ', 2);
  if (!credentials) return undefined;
  if (scheme.toLowerCase() === 'bearer') return credentials.trim();
  if (scheme.toLowerCase() === 'basic') {
    return Buffer.from(credentials, 'base64').toString('utf8').split(':', 1)[0];
  }
  return undefined;
}

/** Stripe's redaction of a key in error messages: prefix and last four characters. */
export function redactKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  const prefix = key.match(/^[a-z]+_[a-z]+_/)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

/** Rejects requests without a usable key (401); `acceptedKeys` narrows the keys that pass. */
export function apiKeyAuth(acceptedKeys?: readonly string[]): MiddlewareHandler<StripeApiEnv> {
  return async (c, next) => {
    const key = presentedKey(c.req.header('Authorization'));
    if (!key) {
      throw authenticationFailed(
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      );
    }
    const accepted = acceptedKeys ? acceptedKeys.includes(key) : SERVER_TEST_KEY.test(key) || isPublishableTestKey(key);
    if (!accepted) throw authenticationFailed(`Invalid API Key provided: ${redactKey(key)}`);
    c.set('apiKey', key);
    c.set('apiKeyKind', isPublishableTestKey(key) ? 'publishable' : 'secret');
    await next();
  };
}
