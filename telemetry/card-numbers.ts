/**
 * Card numbers in free text: 13 to 19 digits (maybe grouped by spaces or dashes) that pass the Luhn
 * check, as every card network's numbers do. Used to mask them in log lines, and by the tests that
 * scan logs for them.
 */

/** 13 to 19 digits, maybe grouped, not part of a longer run of digits, letters and groups (a UUID). */
const CARD_LIKE = /(?<![\dA-Za-z]|\d[ -])(?:\d[ -]?){12,18}\d(?![\dA-Za-z]|[ -]\d)/g;

/** Luhn check: true for numbers a card network would accept. */
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

/** Whether a run of digits (separators allowed) has a card number's length and passes the Luhn check. */
function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  return digits.length >= 13 && passesLuhn(digits);
}

/** The card-number-like runs in `text`, as written. */
export function findCardNumbers(text: string): string[] {
  return [...text.matchAll(CARD_LIKE)].map((match) => match[0]).filter(isCardNumber);
}

/** `text` with every card-number-like run replaced by `replacement`. */
export function maskCardNumbers(text: string, replacement: string): string {
  return text.replace(CARD_LIKE, (candidate) => (isCardNumber(candidate) ? replacement : candidate));
}
