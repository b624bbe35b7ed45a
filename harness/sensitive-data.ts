/** Finds what must never appear in logs: card-like numbers, emails, Stripe secrets and given values. */
import { findCardNumbers } from '../telemetry/card-numbers.js';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const STRIPE_SECRET =
  /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9_]+|\bwhsec_[A-Za-z0-9_]+|\b(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/g;

/** What a scan found, one entry per finding: `kind: excerpt`. */
export function findSensitiveData(lines: string[], forbidden: string[] = []): string[] {
  const findings: string[] = [];
  for (const line of lines) {
    if (findCardNumbers(line).length > 0) findings.push(`card-like number: ${line}`);
    for (const match of line.matchAll(EMAIL)) findings.push(`email ${match[0]}: ${line}`);
    for (const match of line.matchAll(STRIPE_SECRET)) findings.push(`Stripe secret ${match[0]}: ${line}`);
    for (const value of forbidden) if (line.includes(value)) findings.push(`forbidden value ${value}: ${line}`);
  }
  return findings;
}
