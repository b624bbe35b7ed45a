/**
 * The booking routes' schemas: the bodies that create a booking, cancel it, supply a payment method,
 * the path parameter, and the booking as the API shows it. The routes validate with them and
 * `/openapi.json` is generated from them, so the document cannot drift from the code.
 */
import { z } from '@hono/zod-openapi';
import {
  AUTHORIZATION_OUTCOMES,
  BOOKING_ID_PATTERN,
  HOLD_PLANS,
  HOLD_STATUSES,
  MAX_CANCEL_REASON_LENGTH,
  PAYMENT_STATUSES,
  VERIFICATION_METHODS,
} from '../../workflows/booking/contract.js';
import { CUSTOMER_ID_PATTERN } from '../../workflows/setup/contract.js';
import { MicrodepositResultSchema, MicrodepositsViewSchema } from '../http/microdeposit-schemas.js';
import { email, instantWithOffset, matching, nullableInstant, paymentMethodId, text } from '../http/schemas.js';
import { TARGET_DATE_DAYS_AHEAD, TARGET_DATE_PATTERN, isTargetDateInRange } from './target-date.js';

const bookingId = matching(
  BOOKING_ID_PATTERN,
  'must be 1-100 letters, digits, "_" or "-", starting with a letter or digit',
).openapi({ example: 'bk_2024_0001' });

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
      .union(
        [z.ipv4().openapi({ pattern: z.regexes.ipv4.source }), z.ipv6().openapi({ pattern: z.regexes.ipv6.source })],
        {
          error: 'must be an IPv4 or IPv6 address',
        },
      )
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
    paymentMethod: paymentMethodId.openapi({
      description: 'A us_bank_account PaymentMethod id',
      example: 'pm_usBankAccount',
    }),
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
  .openapi('BankPayment', {
    description:
      "The booking's amount by ACH direct debit, from exactly one of `paymentMethod` or `bankAccount`. `mandate` " +
      'is required with `bankAccount`, and with a `paymentMethod` unless it is a bank account the customer saved, ' +
      'whose mandate is then reused without new verification.',
  });

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
    holdPlan: z
      .enum(HOLD_PLANS)
      .optional()
      .openapi({
        description:
          'How the $1 hold covers the booking (default: the `HOLD_DEFAULT_PLAN` setting, `auto`). `single`: one ' +
          'authorization, released at its validity cap. `renew`: before each authorization lapses, the next one is ' +
          'placed off-session on the same card and the previous released once it holds. `defer`: the card is verified ' +
          'now ($1 placed and released at once, the card kept for off-session use), the covering hold placed ' +
          'off-session later (renewing if needed). `auto`: `single` when one authorization covers the release, else `renew`',
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

/** Path parameters of the per-booking routes. */
export const BookingIdParamsSchema = z.object({
  bookingId: bookingId.openapi({ param: { name: 'bookingId', in: 'path' } }),
});

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
    targetDate: z
      .string()
      .nullable()
      .openapi({
        description:
          "The debit's target date (`YYYY-MM-DD`): as requested, or the earliest date Stripe accepts (3 days ahead) when " +
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
      description:
        'The requested target date, when the debit had to be moved to `targetDate` (notification `payment.target_date_moved`)',
    }),
  })
  .openapi('BankPaymentState');

/** One authorization of the hold: the first, a renewal, or a deferred hold's card check. */
const HoldAuthorizationViewSchema = z
  .object({
    id: z.string().openapi({ description: 'The PaymentIntent (`pi_…`)', example: 'pi_3Q0PsIJvEtkwdCNY1a2b3c4d' }),
    renewal: z
      .number()
      .int()
      .openapi({ description: "0 for an attempt's first authorization, then 1, 2, … per renewal" }),
    attempt: z.number().int(),
    purpose: z.enum(['hold', 'verification']).openapi({
      description: "`verification`: a deferred hold's card check, released at once",
    }),
    offSession: z.boolean(),
    authorizedAt: nullableInstant,
    validUntil: nullableInstant.openapi({ description: "When it lapses (Stripe's `capture_before`)" }),
    extended: z.boolean().openapi({ description: 'Whether the network granted an extended authorization' }),
    outcome: z.enum(AUTHORIZATION_OUTCOMES),
    declineCode: z.string().nullable(),
    endedAt: nullableInstant.openapi({ description: 'When it was released or lapsed' }),
  })
  .openapi('HoldAuthorization');

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
      plan: z.enum(HOLD_PLANS).openapi({
        description: "The booking's hold plan; `single` for bookings created before plans existed",
      }),
      validUntil: nullableInstant.openapi({
        description:
          "When the current authorization lapses (Stripe's `capture_before`); null when none is held or for bookings " +
          'created before plans existed',
      }),
      nextAuthorizationAt: nullableInstant.openapi({
        description:
          'When the plan places the next authorization (a renewal, or the deferred hold); null when none is planned',
      }),
      authorizations: z.array(HoldAuthorizationViewSchema).openapi({
        description: 'Every $1 authorization placed for the hold, oldest first (empty before plans existed)',
      }),
    }),
    payment: PaymentViewSchema.nullable(),
  })
  .openapi('Booking');
export type BookingView = z.infer<typeof BookingViewSchema>;
/** The `payment` part of the booking view. */
export type PaymentView = z.infer<typeof PaymentViewSchema>;

/** The status of a booking's workflow, as `GET /v1/bookings/{bookingId}/status` gives it. */
export const WORKFLOW_STATUSES = [
  'running',
  'completed',
  'failed',
  'canceled',
  'terminated',
  'continued_as_new',
  'timed_out',
] as const;

/**
 * Answer of `GET /v1/bookings/{bookingId}/status`: the booking's statuses as its workflow last recorded
 * them in its search attributes, read with a describe call, which Temporal Cloud does not bill as an action.
 */
export const BookingStatusSchema = z
  .object({
    bookingId: z.string(),
    workflowId: z.string(),
    workflowStatus: z.enum(WORKFLOW_STATUSES),
    hold: z.object({
      status: z.enum(HOLD_STATUSES).nullable().openapi({
        description: 'The hold status the workflow last recorded; null for a booking started before it recorded one',
      }),
      releaseAt: nullableInstant.openapi({ description: 'While the hold is held: when it will be released' }),
      nextAuthorizationAt: nullableInstant.openapi({
        description: 'When the hold plan places the next authorization; null when none is planned',
      }),
    }),
    payment: z
      .object({ status: z.enum(PAYMENT_STATUSES) })
      .nullable()
      .openapi({ description: 'The bank payment; null for a hold-only booking' }),
  })
  .openapi('BookingStatus');
/** The answer of the booking status route. */
export type BookingStatusView = z.infer<typeof BookingStatusSchema>;

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
    result: MicrodepositResultSchema,
    attemptsRemaining: z.number().int(),
    booking: BookingViewSchema,
  })
  .openapi('MicrodepositOutcome');
