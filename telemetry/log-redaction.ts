/**
 * Last line of defence for log lines: masks card numbers, emails and Stripe secrets that slipped into
 * a log line. Log fields are chosen to be ids, codes and durations; this catches what a third party's
 * message carries (a Stripe error quoting an email, a key in a URL) and a card number sent where an
 * id belongs: an id that could be one (a card network's range and length, passing the Luhn check) is
 * masked too, while timestamps and other numeric ids stay legible.
 */
import { maskCardNumbers } from './card-numbers.js';

const REDACTIONS: Array<[RegExp, string]> = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, '[email]'],
  [/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9_]+/g, '[stripe-key]'],
  [/\bwhsec_[A-Za-z0-9_]+/g, '[webhook-secret]'],
  [/\b(pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/g, '[client-secret]'],
];

/** The line with card numbers, emails, Stripe keys, webhook secrets and client secrets masked. */
export function redactLogLine(line: string): string {
  return REDACTIONS.reduce(
    (text, [pattern, replacement]) => text.replace(pattern, replacement),
    maskCardNumbers(line, '[card-number]'),
  );
}
