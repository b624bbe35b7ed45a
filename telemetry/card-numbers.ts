/**
 * Card numbers in free text: 13 to 19 digits (maybe grouped by spaces or dashes) that fall in a card
 * network's number range with one of its lengths and pass the Luhn check, plus any number given in a
 * field named for a card (`cardNumber`, `card[number]`, `pan`…). Millisecond timestamps, numeric ids and
 * migration names (`1732000000007_inbox-handled-events`) start outside every range and stay legible.
 * Used to mask them in log lines, and by the tests that scan logs for them.
 */

/** A network's first digits (IIN ranges, inclusive, compared on as many digits as the bounds have) and its lengths. */
interface CardNetwork {
  name: string;
  ranges: Array<[from: string, to: string]>;
  lengths: number[];
}

const lengths = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);

/** The networks whose cards may pass through: their published number ranges and lengths. */
const CARD_NETWORKS: CardNetwork[] = [
  { name: 'Visa', ranges: [['4', '4']], lengths: [13, 16, 19] },
  {
    name: 'Mastercard',
    ranges: [
      ['51', '55'],
      ['2221', '2720'],
    ],
    lengths: [16],
  },
  {
    name: 'American Express',
    ranges: [
      ['34', '34'],
      ['37', '37'],
    ],
    lengths: [15],
  },
  {
    name: 'Discover',
    ranges: [
      ['6011', '6011'],
      ['644', '649'],
      ['65', '65'],
    ],
    lengths: lengths(16, 19),
  },
  // 14 digits classically; Stripe's Diners test card 3056930009020004 has 16 (docs.stripe.com/testing).
  {
    name: 'Diners Club',
    ranges: [
      ['36', '36'],
      ['300', '305'],
    ],
    lengths: lengths(14, 19),
  },
  { name: 'JCB', ranges: [['3528', '3589']], lengths: lengths(16, 19) },
  { name: 'UnionPay', ranges: [['62', '62']], lengths: lengths(16, 19) },
];

/** Whether `digits` starts in one of the network's ranges and has one of its lengths. */
function inNetwork(digits: string, network: CardNetwork): boolean {
  if (!network.lengths.includes(digits.length)) return false;
  return network.ranges.some(([from, to]) => {
    const prefix = Number(digits.slice(0, from.length));
    return prefix >= Number(from) && prefix <= Number(to);
  });
}

/**
 * A number in a field named for a card, quoted or not, as JSON or form fields write it:
 * `"cardNumber":"…"`, `card[number]=…`, `"pan": …`. Group 1 is the number.
 */
const CARD_FIELD =
  /(?<![A-Za-z0-9_])(?:card(?:[_-]?number|\[number\])?|cc[_-]?num(?:ber)?|pan|primary[_-]?account[_-]?number)["']?\s*[:=]\s*["']?(\d(?:[ -]?\d){11,18})(?![\dA-Za-z])/gi;

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

/** Whether a run of digits (separators allowed) is in a card network's range and lengths and passes the Luhn check. */
function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  return CARD_NETWORKS.some((network) => inNetwork(digits, network)) && passesLuhn(digits);
}

/** The card numbers in `text` (outside UUIDs), as written: network numbers, and numbers in card fields. */
export function findCardNumbers(text: string): string[] {
  const inFields = [...text.matchAll(CARD_FIELD)].map((match) => match[1]);
  const inText = splitAroundUuids(text)
    .filter(({ isUuid }) => !isUuid)
    .flatMap(({ part }) => [...part.matchAll(CARD_LIKE)].map((match) => match[0]).filter(isCardNumber));
  return [...new Set([...inFields, ...inText])];
}

/** `text` with every card number (outside UUIDs) and every number in a card field replaced by `replacement`. */
export function maskCardNumbers(text: string, replacement: string): string {
  const fieldsMasked = text.replace(CARD_FIELD, (field, number: string) => field.replace(number, replacement));
  return splitAroundUuids(fieldsMasked)
    .map(({ part, isUuid }) =>
      isUuid ? part : part.replace(CARD_LIKE, (candidate) => (isCardNumber(candidate) ? replacement : candidate)),
    )
    .join('');
}
