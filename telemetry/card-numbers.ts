/**
 * Card numbers in free text: 13 to 19 digits (maybe grouped by spaces or dashes) that pass the Luhn
 * check, as every card network's numbers do. Used to mask them in log lines, and by the tests that
 * scan logs for them.
 */

/** 13 to 19 digits, maybe grouped, not part of a longer run of digits, letters and groups (a UUID). */
const CARD_LIKE = /(?<![\dA-Za-z]|\d[ -])(?:\d[ -]?){12,18}\d(?![\dA-Za-z]|[ -]\d)/g;

/** A UUID (request ids, booking ids): its last two groups can be 16 digits that pass Luhn by chance. */
const UUID = /\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b/g;

/** `text` cut into UUIDs and the parts between them, in order. */
function splitAroundUuids(text: string): Array<{ part: string; isUuid: boolean }> {
  const parts: Array<{ part: string; isUuid: boolean }> = [];
  let from = 0;
  for (const match of text.matchAll(UUID)) {
    parts.push({ part: text.slice(from, match.index), isUuid: false }, { part: match[0], isUuid: true });
    from = match.index + match[0].length;
  }
  parts.push({ part: text.slice(from), isUuid: false });
  return parts;
}

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

/** The card-number-like runs in `text` (outside UUIDs), as written. */
export function findCardNumbers(text: string): string[] {
  return splitAroundUuids(text)
    .filter(({ isUuid }) => !isUuid)
    .flatMap(({ part }) => [...part.matchAll(CARD_LIKE)].map((match) => match[0]).filter(isCardNumber));
}

/** `text` with every card-number-like run (outside UUIDs) replaced by `replacement`. */
export function maskCardNumbers(text: string, replacement: string): string {
  return splitAroundUuids(text)
    .map(({ part, isUuid }) => (isUuid ? part : part.replace(CARD_LIKE, (candidate) => (isCardNumber(candidate) ? replacement : candidate))))
    .join('');
}
