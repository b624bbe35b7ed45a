/**
 * Zod schemas at the API's edge: request bodies, path parameters, responses. The routes validate
 * with them and `/openapi.json` is generated from them, so the document cannot drift from the code.
 */
import { z } from '@hono/zod-openapi';
import {
  BOOKING_ID_PATTERN,
  DESCRIPTOR_CODE_PATTERN,
  HOLD_STATUSES,
  MAX_CANCEL_REASON_LENGTH,
  MICRODEPOSIT_ATTEMPTS,
  PAYMENT_METHOD_ID_PATTERN,
  PAYMENT_STATUSES,
  VERIFICATION_METHODS,
  type VerifyMicrodepositsRequest,
} from '../workflows/booking/contract.js';
import {
  CUSTOMER_ID_PATTERN,
  SAVED_PAYMENT_METHOD_STATUSES,
  SAVED_PAYMENT_METHOD_TYPES,
  SETUP_ID_PATTERN,
  SETUP_STATUSES,
} from '../workflows/setup/contract.js';
import { ERROR_CODES } from './http/errors.js';
import { TARGET_DATE_DAYS_AHEAD, TARGET_DATE_PATTERN, isTargetDateInRange } from './booking/target-date.js';

/** Name of the bearer security scheme in the OpenAPI document. */
export const BEARER_SECURITY_SCHEME = 'bearerAuth';

/**
 * A string matching `pattern`, published with the pattern's source only: the generator would print
 * the regex literal (`/…/u`), flags included, which no JSON Schema client can match. Sources are
 * written so that ECMA-262 and JSON Schema clients read them alike (`[0-9]`, not `\d`).
 */
function matching(pattern: RegExp, message: string) {
  return z.string().regex(pattern, message).openapi({ pattern: pattern.source });
}

/**
 * A string of `min` to `max` characters counted as JSON Schema counts them, in code points (zod's
 * `.max()` counts UTF-16 units, so 60 emoji would pass the published maxLength 100 and be refused).
 */
function text(min: number, max: number) {
  return z
    .string()
    .refine(
      (value) => {
        const length = [...value].length;
        return length >= min && length <= max;
      },
      { message: `must be ${min} to ${max} characters` },
    )
    .openapi({ minLength: min, maxLength: max });
}

/**
 * The e-mail addresses the API accepts: zod's default rule (no leading, trailing or doubled dot in
 * the local part, a dotted domain ending in two letters or more) written without lookaheads, and
 * published as the pattern, so that generated addresses are ones the API takes.
 */
const EMAIL_PATTERN =
  /^(?:[A-Za-z0-9_'+-]+\.)*[A-Za-z0-9_'+-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

// The pattern alone, without `format: email`: a client's idea of an e-mail address may differ from ours.
const email = matching(EMAIL_PATTERN, 'Invalid email address')
  .max(254)
  .openapi({ description: 'An e-mail address', example: 'ada@example.com' });

const bookingId = matching(
  BOOKING_ID_PATTERN,
  'must be 1-100 letters, digits, "_" or "-", starting with a letter or digit',
).openapi({ example: 'bk_2024_0001' });

const paymentMethodId = matching(PAYMENT_METHOD_ID_PATTERN, 'must be a Stripe PaymentMethod id (pm_…)').openapi({
  example: 'pm_card_visa',
});

const instantWithOffset = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a UTC offset' })
  .openapi({ example: '2030-05-01T10:00:00+02:00' });

/** ACH direct debit is USD only. */
export const PAYMENT_CURRENCY = 'usd';

/** Largest bank payment the API accepts, in cents ($999,999.99). */
export const MAX_PAYMENT_AMOUNT_CENTS = 99_999_999;

/** How far a mandate's acceptance time may be ahead of this server's clock (clocks differ slightly). */
const MANDATE_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Bank account details; turned into a Stripe PaymentMethod by the API and never passed on. */
const BankAccountSchema = z
  .strictObject({
    accountNumber: matching(/^[0-9]{4,17}$/, 'must be 4 to 17 digits').openapi({ example: '000123456789' }),
    routingNumber: matching(/^[0-9]{9}$/, 'must be 9 digits').openapi({ example: '110000000' }),
    accountHolderName: text(1, 200).openapi({ example: 'Ada Lovelace' }),
    accountHolderType: z.enum(['individual', 'company']).optional(),
  })
  .openapi('BankAccount', {
    description: 'US bank account; the API creates a Stripe PaymentMethod from it and keeps neither number.',
  });

/** The customer's acceptance of the ACH debit mandate. */
const MandateSchema = z
  .strictObject({
    // zod's own rules, published as patterns: a format alone ("ip") checks nothing for most clients.
    ipAddress: z
      .union([z.ipv4().openapi({ pattern: z.regexes.ipv4.source }), z.ipv6().openapi({ pattern: z.regexes.ipv6.source })], {
        error: 'must be an IPv4 or IPv6 address',
      })
      .openapi({ example: '203.0.113.7' }),
    userAgent: text(1, 500).openapi({ example: 'Mozilla/5.0 (Macintosh)' }),
    acceptedAt: instantWithOffset
      .refine((at) => Date.parse(at) <= Date.now() + MANDATE_CLOCK_SKEW_MS, { message: 'must not be in the future' })
      .openapi({
        description: 'When the customer accepted; not in the future (5 minutes of clock skew allowed)',
        example: '2024-04-20T09:30:00Z',
      }),
  })
  .openapi('MandateAcceptance');

/** Fields of a bank payment whichever way the bank account is given. */
const bankPaymentFields = {
  amount: z
    .number()
    .int()
    .positive()
    .max(MAX_PAYMENT_AMOUNT_CENTS)
    .openapi({ description: 'Amount in cents', example: 125_00 }),
  // Matched before it is lowered, so that only the spellings of "usd" pass (toLowerCase maps no other text to it).
  currency: matching(/^[Uu][Ss][Dd]$/, `only ${PAYMENT_CURRENCY} is supported`)
    .transform(() => PAYMENT_CURRENCY)
    .default(PAYMENT_CURRENCY)
    .openapi({ description: `${PAYMENT_CURRENCY}, in any case`, example: PAYMENT_CURRENCY }),
  method: z.literal('us_bank_account'),
  verification: z.enum(VERIFICATION_METHODS).default('automatic'),
  targetDate: matching(TARGET_DATE_PATTERN, 'must be a date YYYY-MM-DD')
    .refine((date) => isTargetDateInRange(date, new Date()), {
      message: `must be ${TARGET_DATE_DAYS_AHEAD.min} to ${TARGET_DATE_DAYS_AHEAD.max} days ahead of today (UTC)`,
    })
    .optional()
    .openapi({
      format: 'date',
      description: `Debit date, ${TARGET_DATE_DAYS_AHEAD.min} to ${TARGET_DATE_DAYS_AHEAD.max} days ahead of today (UTC)`,
    }),
  checkBalance: z
    .boolean()
    .default(false)
    .openapi({ description: 'Read the Financial Connections balance before debiting' }),
};

/** A bank payment from a us_bank_account PaymentMethod, new or saved. */
const BankPaymentByPaymentMethodSchema = z
  .strictObject({
    ...bankPaymentFields,
    paymentMethod: paymentMethodId.openapi({ description: 'A us_bank_account PaymentMethod id', example: 'pm_usBankAccount' }),
    mandate: MandateSchema.optional().openapi({
      description:
        "The customer's acceptance of this debit; required unless paymentMethod is a bank account the customer " +
        'saved, whose mandate is then reused',
    }),
  })
  .openapi('BankPaymentByPaymentMethod');

/** A bank payment from bank account details, which need the customer's acceptance. */
const BankPaymentByBankAccountSchema = z
  .strictObject({
    ...bankPaymentFields,
    bankAccount: BankAccountSchema,
    mandate: MandateSchema.openapi({ description: "The customer's acceptance of this debit" }),
  })
  .openapi('BankPaymentByBankAccount');

/** The booking's amount, paid by US bank account (ACH direct debit): exactly one of paymentMethod or bankAccount. */
const BankPaymentSchema = z
  .union([BankPaymentByPaymentMethodSchema, BankPaymentByBankAccountSchema], {
    error: 'give exactly one of paymentMethod or bankAccount (with mandate)',
  })
  .openapi({}, { unionPreferredType: 'oneOf' })
  // One shape for the handlers, whichever variant came in.
  .transform((payment): BankPayment => ({ paymentMethod: undefined, bankAccount: undefined, ...payment }))
  .openapi(
    'BankPayment',
    {
      description:
        "The booking's amount by ACH direct debit, from exactly one of `paymentMethod` or `bankAccount`. `mandate` " +
        'is required with `bankAccount`, and with a `paymentMethod` unless it is a bank account the customer saved, ' +
        'whose mandate is then reused without new verification.',
    },
  );

/** A validated bank payment, whichever variant it came as. */
type BankPayment = z.output<z.ZodObject<typeof bankPaymentFields>> & {
  paymentMethod?: string;
  bankAccount?: z.output<typeof BankAccountSchema>;
  mandate?: z.output<typeof MandateSchema>;
};

/** Body of `POST /v1/bookings`. */
export const CreateBookingBodySchema = z
  .strictObject({
    bookingId,
    customer: z.strictObject({
      id: matching(CUSTOMER_ID_PATTERN, 'must be 1 to 100 characters without control characters').openapi({
        example: 'cus_internal_42',
      }),
      email,
      name: text(1, 200).openapi({ example: 'Ada Lovelace' }),
    }),
    holdPaymentMethod: paymentMethodId.openapi({
      description: 'A card PaymentMethod id; a card the customer saved is charged off-session',
    }),
    startsAt: instantWithOffset,
    endsAt: instantWithOffset.openapi({ description: 'After startsAt', example: '2030-05-01T12:00:00+02:00' }),
    payment: BankPaymentSchema.optional(),
  })
  .refine((body) => Date.parse(body.endsAt) > Date.parse(body.startsAt), {
    message: 'must be after startsAt',
    path: ['endsAt'],
  })
  .openapi('CreateBookingRequest');
export type CreateBookingBody = z.infer<typeof CreateBookingBodySchema>;
/** The validated `payment` of a create body. */
export type BankPaymentBody = NonNullable<CreateBookingBody['payment']>;

/** Body of `POST /v1/bookings/{bookingId}/cancel`; may be omitted. */
export const CancelBookingBodySchema = z
  .strictObject({ reason: text(1, MAX_CANCEL_REASON_LENGTH).optional() })
  .openapi('CancelBookingRequest');

/** A new card for the booking's $1 hold. */
const HoldPaymentMethodSchema = z
  .strictObject({
    paymentMethod: paymentMethodId,
    for: z
      .literal('hold')
      .optional()
      .openapi({ description: 'What the payment method is for: the $1 hold (the default)' }),
  })
  .openapi('HoldPaymentMethod');

/** A new bank account for the booking's bank payment, with the customer's acceptance when it needs one. */
const BankPaymentMethodSchema = z
  .strictObject({
    paymentMethod: paymentMethodId,
    for: z.literal('payment').openapi({ description: 'What the payment method is for: the bank payment' }),
    mandate: MandateSchema.optional().openapi({
      description:
        "The customer's acceptance of the debit from this bank account. Required unless it is a saved one (its " +
        'mandate is reused) or the account the booking already has an acceptance for: a mandate authorizes one ' +
        'account, and an acceptance given for another account is never reused',
    }),
  })
  .openapi('BankPaymentMethod');

/** Body of `POST /v1/bookings/{bookingId}/payment-method`: `mandate` only with `for: payment`. */
export const SupplyPaymentMethodBodySchema = z
  .union([HoldPaymentMethodSchema, BankPaymentMethodSchema], { error: 'mandate only with for: payment' })
  .openapi('SupplyPaymentMethodRequest', {}, { unionPreferredType: 'oneOf' });
export type SupplyPaymentMethodBody = z.infer<typeof SupplyPaymentMethodBodySchema>;

const microdepositAmount = z.number().int().min(1).max(99);

/**
 * A descriptor code as typed by a person: any case, with spaces, tabs or line breaks around it; the
 * API trims and upper-cases it to `SM` and four letters or digits (DESCRIPTOR_CODE_PATTERN).
 */
const TYPED_DESCRIPTOR_CODE_PATTERN = /^[ \t\r\n]*[Ss][Mm][A-Za-z0-9]{4}[ \t\r\n]*$/;

/** The microdeposits' descriptor code. */
const DescriptorCodeSchema = z
  .strictObject({
    descriptorCode: matching(TYPED_DESCRIPTOR_CODE_PATTERN, 'must be SM followed by four letters or digits')
      .transform((code) => code.trim().toUpperCase())
      .pipe(z.string().regex(DESCRIPTOR_CODE_PATTERN))
      .openapi({ description: 'SM and four letters or digits, in any case', example: 'SM11AA' }),
  })
  .openapi('MicrodepositDescriptorCode');

/** The two microdeposits' amounts. */
const MicrodepositAmountsSchema = z
  .strictObject({
    amounts: z
      .tuple([microdepositAmount, microdepositAmount])
      .openapi({ description: 'The two microdeposits, in cents', example: [32, 45] }),
  })
  .openapi('MicrodepositAmounts');

/** Body of `POST /v1/bookings/{bookingId}/microdeposits`: the descriptor code or the two amounts, exactly one. */
export const VerifyMicrodepositsBodySchema = z
  .union([DescriptorCodeSchema, MicrodepositAmountsSchema], { error: 'give exactly one of descriptorCode or amounts' })
  .openapi('VerifyMicrodepositsRequest', {}, { unionPreferredType: 'oneOf' });

/** The update's argument from a validated microdeposits body: the code or the amounts, never both. */
export function microdepositValues(body: z.output<typeof VerifyMicrodepositsBodySchema>): VerifyMicrodepositsRequest {
  return 'amounts' in body ? { amounts: body.amounts } : { descriptorCode: body.descriptorCode };
}

/** Path parameters of the per-booking routes. */
export const BookingIdParamsSchema = z.object({
  bookingId: bookingId.openapi({ param: { name: 'bookingId', in: 'path' } }),
});

const nullableInstant = z.string().nullable();

/** Microdeposits sent to verify a bank account, while they wait for the customer. */
const MicrodepositsViewSchema = z
  .object({
    type: z.enum(Object.keys(MICRODEPOSIT_ATTEMPTS) as [keyof typeof MICRODEPOSIT_ATTEMPTS]),
    arrivalDate: nullableInstant,
    hostedVerificationUrl: z.string().nullable(),
    attemptsRemaining: z.number().int(),
    expiresAt: z.string(),
  })
  .nullable();

const PaymentViewSchema = z
  .object({
    status: z.enum(PAYMENT_STATUSES),
    amount: z.number().int(),
    currency: z.literal(PAYMENT_CURRENCY),
    paymentIntentId: z.string().nullable(),
    attempt: z.number().int(),
    microdeposits: MicrodepositsViewSchema,
    failureCode: z.string().nullable(),
    paymentReference: z.string().nullable(),
    processingSince: nullableInstant,
    succeededAt: nullableInstant,
    dispute: z.object({ id: z.string(), status: z.string() }).nullable(),
    refund: z
      .object({ id: z.string(), status: z.string(), amount: z.number().int(), reference: z.string().nullable() })
      .nullable(),
    cancellation: z.enum(['requested', 'canceled', 'refused', 'refund_requested', 'refund_refused']).nullable(),
    reason: z.string().nullable(),
    savedMandateId: z
      .string()
      .nullable()
      .openapi({ description: "The saved bank account's mandate the debit reuses; null for a new bank account" }),
    targetDate: z.string().nullable().openapi({
      description:
        'The debit\'s target date (`YYYY-MM-DD`): as requested, or the earliest date Stripe accepts (3 days ahead) when ' +
        'the requested one was less than 3 days ahead by the time the debit was created; null without a target date',
    }),
    balanceCheck: z
      .object({
        status: z.enum(['refreshing', 'sufficient', 'insufficient', 'unavailable']),
        available: z.number().int().nullable(),
        asOf: nullableInstant,
        reason: z.string().nullable(),
      })
      .nullable()
      .openapi({
        description:
          'With `checkBalance`: the Financial Connections balance check of the current bank account. `refreshing` while the ' +
          "bank's answer is awaited (refreshes are asynchronous); `sufficient` or `insufficient` (no debit sent) once read; " +
          '`unavailable` when it could not be read (no linked account or `balances` permission, the refresh failed or ' +
          'outlasted `PAYMENT_BALANCE_REFRESH_TIMEOUT_SECONDS`), `reason` saying why: the debit then went ahead unchecked',
      }),
    targetDateMovedFrom: z.string().nullable().openapi({
      description: 'The requested target date, when the debit had to be moved to `targetDate` (notification `payment.target_date_moved`)',
    }),
  })
  .openapi('BankPaymentState');

/** What the API tells about a booking; fields are only ever added, never renamed. */
export const BookingViewSchema = z
  .object({
    bookingId: z.string(),
    workflowId: z.string(),
    customerId: z.string(),
    startsAt: z.string(),
    endsAt: z.string(),
    cancelRequested: z.boolean(),
    cancelReason: z.string().nullable(),
    hold: z.object({
      status: z.enum(HOLD_STATUSES),
      paymentIntentId: z.string().nullable(),
      releaseAt: nullableInstant,
      attempt: z.number().int(),
      authorizedAt: nullableInstant,
      releasedAt: nullableInstant,
      actionDeadline: nullableInstant,
      declineCode: z.string().nullable(),
      reason: z.string().nullable(),
      offSession: z.boolean().openapi({ description: 'True when the hold is placed on a saved card, off-session' }),
    }),
    payment: PaymentViewSchema.nullable(),
  })
  .openapi('Booking');
export type BookingView = z.infer<typeof BookingViewSchema>;
/** The `payment` part of the booking view. */
export type PaymentView = z.infer<typeof PaymentViewSchema>;

/** The next actions of a card hold that the customer finishes in the browser with Stripe.js (3-D Secure). */
export const HOLD_NEXT_ACTION_TYPES = ['use_stripe_sdk', 'redirect_to_url'] as const;

/** Answer of `GET /v1/bookings/{bookingId}/hold/next-action`: what Stripe.js needs to finish the hold's 3-D Secure. */
export const HoldNextActionSchema = z
  .object({
    paymentIntentId: z.string().openapi({ example: 'pi_3Q0PsIJvEtkwdCNY1a2b3c4d' }),
    clientSecret: z.string().openapi({
      description:
        "The hold PaymentIntent's client secret, read from Stripe for this answer and kept nowhere: hand it to the " +
        "customer's browser only, for `stripe.handleNextAction({ clientSecret })`; never log or store it",
      example: 'pi_3Q0PsIJvEtkwdCNY1a2b3c4d_secret_VjNxT0ZzRQ',
    }),
    type: z.enum(HOLD_NEXT_ACTION_TYPES).openapi({
      description:
        "Stripe's `next_action.type`: `use_stripe_sdk` (Stripe.js shows the challenge; the hold is confirmed without " +
        'a return URL, so this is the usual one) or `redirect_to_url` (send the browser to `redirectUrl`)',
    }),
    redirectUrl: z
      .string()
      .optional()
      .openapi({ description: "With `redirect_to_url` only: the page Stripe asks the customer's browser to open" }),
  })
  .openapi('HoldNextAction');
/** The answer of the hold's next-action route. */
export type HoldNextAction = z.infer<typeof HoldNextActionSchema>;

/** Answer of `POST /v1/bookings/{bookingId}/microdeposits`. */
export const MicrodepositOutcomeSchema = z
  .object({
    result: z.enum(['verified', 'mismatch', 'attempts_exceeded', 'expired']),
    attemptsRemaining: z.number().int(),
    booking: BookingViewSchema,
  })
  .openapi('MicrodepositOutcome');

// The same rule as a booking's customer.id: whoever can book can save a payment method.
const customerId = matching(CUSTOMER_ID_PATTERN, 'must be 1 to 100 characters without control characters').openapi({
  example: 'cust_42',
});

const setupId = matching(
  SETUP_ID_PATTERN,
  'must be 1-100 letters, digits, "_" or "-", starting with a letter or digit',
).openapi({ example: 'setup_2024_0001' });

/** Path parameters of a customer's routes. */
export const CustomerIdParamsSchema = z.object({
  customerId: customerId.openapi({ param: { name: 'customerId', in: 'path' } }),
});

/** Path parameters of one saved payment method. */
export const SavedPaymentMethodParamsSchema = CustomerIdParamsSchema.extend({
  paymentMethodId: paymentMethodId.openapi({ param: { name: 'paymentMethodId', in: 'path' }, example: 'pm_1Q0PsIJvEtkwdCNY' }),
});

/** Path parameters of one payment-method setup. */
export const SetupParamsSchema = CustomerIdParamsSchema.extend({
  setupId: setupId.openapi({ param: { name: 'setupId', in: 'path' } }),
});

/** Fields of a setup whatever it saves. */
const setupFields = {
  setupId: setupId.optional().openapi({
    description: 'Your key for this setup; the same setupId again answers the same setup (generated when absent)',
  }),
  email,
  name: text(1, 200).openapi({ example: 'Ada Lovelace' }),
};

/** Saving a card. */
const CardSetupSchema = z
  .strictObject({ ...setupFields, type: z.literal('card') })
  .openapi('StartCardSetupRequest');

/** Saving a bank account, verified instantly or by microdeposits. */
const BankAccountSetupSchema = z
  .strictObject({
    ...setupFields,
    type: z.literal('us_bank_account'),
    verification: z
      .enum(VERIFICATION_METHODS)
      .optional()
      .openapi({ description: 'How the bank account is verified (default automatic)' }),
  })
  .openapi('StartBankAccountSetupRequest');

/** Body of `POST /v1/customers/{customerId}/payment-methods`: what to save (`verification` only for a bank account). */
export const StartSetupBodySchema = z
  .discriminatedUnion('type', [CardSetupSchema, BankAccountSetupSchema])
  .openapi('StartPaymentMethodSetupRequest');
export type StartSetupBody = z.infer<typeof StartSetupBodySchema>;

/** A saved payment method as listed: brand or bank, last four digits, expiry, mandate; nothing more sensitive. */
export const SavedPaymentMethodSchema = z
  .object({
    paymentMethodId: z.string(),
    customerId: z.string(),
    type: z.enum(SAVED_PAYMENT_METHOD_TYPES),
    brand: z.string().nullable().openapi({ description: 'Card brand (visa, …); null for bank accounts' }),
    bankName: z.string().nullable(),
    last4: z.string().nullable(),
    expMonth: z.number().int().nullable(),
    expYear: z.number().int().nullable(),
    mandate: z.object({ id: z.string(), status: z.string() }).nullable(),
    status: z.enum(SAVED_PAYMENT_METHOD_STATUSES),
    unusableReason: z
      .string()
      .nullable()
      .openapi({ description: 'Why it can no longer be used (`mandate_inactive`, `card_expired`)' }),
    setupId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('SavedPaymentMethod');
export type SavedPaymentMethodView = z.infer<typeof SavedPaymentMethodSchema>;

/** Answer of `GET /v1/customers/{customerId}/payment-methods`. */
export const SavedPaymentMethodListSchema = z
  .object({ data: z.array(SavedPaymentMethodSchema) })
  .openapi('SavedPaymentMethodList');

/** A payment-method setup as the API shows it. */
export const SetupViewSchema = z
  .object({
    setupId: z.string(),
    workflowId: z.string(),
    customerId: z.string(),
    type: z.enum(SAVED_PAYMENT_METHOD_TYPES),
    status: z.enum(SETUP_STATUSES),
    setupIntentId: z.string().nullable(),
    paymentMethodId: z.string().nullable(),
    microdeposits: MicrodepositsViewSchema,
    failureCode: z.string().nullable(),
    actionDeadline: nullableInstant.openapi({
      description: 'While the customer has something to do: when the setup is cancelled if they have not',
    }),
    reason: z.string().nullable(),
    done: z.boolean(),
    savedPaymentMethod: SavedPaymentMethodSchema.nullable(),
    updatedAt: z.string(),
  })
  .openapi('PaymentMethodSetup');
export type SetupView = z.infer<typeof SetupViewSchema>;

/** Answer of `POST /v1/customers/{customerId}/payment-methods`: the setup and what Stripe.js needs to finish it. */
export const StartedSetupSchema = SetupViewSchema.extend({
  clientSecret: z.string().nullable().openapi({
    description:
      "The SetupIntent's client secret for Stripe.js (`confirmCardSetup`, `confirmUsBankAccountSetup`); null once " +
      'the setup has finished. Hand it to the customer\'s browser only; never log or store it',
  }),
}).openapi('PaymentMethodSetupStarted');

/** Answer of `POST /v1/customers/{customerId}/payment-methods/setups/{setupId}/microdeposits`. */
export const SetupMicrodepositOutcomeSchema = z
  .object({
    result: z.enum(['verified', 'mismatch', 'attempts_exceeded', 'expired']),
    attemptsRemaining: z.number().int(),
    setup: SetupViewSchema,
  })
  .openapi('SetupMicrodepositOutcome');

/** The one error shape every failure uses. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [string, ...string[]]),
      message: z.string(),
      requestId: z.string(),
    }),
  })
  .openapi('Error');

/**
 * What the webhook requires of a signed body (`isStripeEventEnvelope`): a Stripe Event's id, type,
 * creation time and object; Stripe's other fields are kept as they come. A plain OpenAPI schema,
 * not zod: the body stays unparsed until its signature is verified.
 */
export const StripeEventEnvelopeSchema = {
  type: 'object' as const,
  description: 'A Stripe Event object',
  required: ['id', 'type', 'created', 'data'],
  properties: {
    id: { type: 'string' as const, pattern: '^[^\\u0000]+$', example: 'evt_1Q0PsIJvEtkwdCNY' },
    type: { type: 'string' as const, pattern: '^[^\\u0000]*$', example: 'payment_intent.amount_capturable_updated' },
    created: { type: 'number' as const, description: 'Unix time in seconds', example: 1_900_000_000 },
    data: {
      type: 'object' as const,
      required: ['object'],
      properties: { object: { type: 'object' as const, description: 'The Stripe object the event is about' } },
    },
  },
};

/** Acknowledgement sent to Stripe once the event is durably stored. */
export const WebhookAckSchema = z
  .object({ received: z.literal(true), duplicate: z.boolean() })
  .openapi('WebhookAck');

/** Liveness / readiness answer. */
export const HealthSchema = z
  .object({ status: z.literal('ok'), checks: z.record(z.string(), z.literal('ok')).optional() })
  .openapi('Health');

/** OpenAPI response entry for an error status. */
export function errorResponseSpec(description: string) {
  return { description, content: { 'application/json': { schema: ErrorResponseSchema } } };
}

/** OpenAPI response entry for a 503: the error shape and `Retry-After`, the seconds to wait before retrying. */
export function unavailableResponseSpec(description: string) {
  return {
    ...errorResponseSpec(description),
    headers: { 'Retry-After': { description: 'Seconds to wait before sending the request again', schema: { type: 'integer' as const, minimum: 1 } } },
  };
}
