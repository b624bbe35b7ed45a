/** Finds what must never appear in logs: card-like numbers, emails, Stripe secrets and given values. */

/** Luhn check: true for numbers a card network would accept, the shape of a real card number. */
function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** 13 to 19 digits, maybe grouped by spaces or dashes, not part of a longer run of digits, letters and groups (a UUID). */
const CARD_LIKE = /(?<![\dA-Za-z]|\d[ -])(?:\d[ -]?){12,18}\d(?![\dA-Za-z]|[ -]\d)/g;
/** A UUID (request ids, booking ids): its last groups can be all digits, 16 of them, and pass Luhn by chance. */
const UUID = /\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const STRIPE_SECRET = /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9_]+|\bwhsec_[A-Za-z0-9_]+|\b(?:pi|seti)_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/g;

/** What a scan found, one entry per finding: `kind: excerpt`. */
export function findSensitiveData(lines: string[], forbidden: string[] = []): string[] {
  const findings: string[] = [];
  for (const line of lines) {
    for (const match of line.replace(UUID, 'uuid').matchAll(CARD_LIKE)) {
      const digits = match[0].replace(/\D/g, '');
      if (digits.length >= 13 && passesLuhn(digits)) findings.push(`card-like number: ${line}`);
    }
    for (const match of line.matchAll(EMAIL)) findings.push(`email ${match[0]}: ${line}`);
    for (const match of line.matchAll(STRIPE_SECRET)) findings.push(`Stripe secret ${match[0]}: ${line}`);
    for (const value of forbidden) if (line.includes(value)) findings.push(`forbidden value ${value}: ${line}`);
  }
  return findings;
}
