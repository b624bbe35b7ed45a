/**
 * The payment-method setup routes' schemas: the body that starts a setup, the path parameters of
 * one, and the setup as the API shows it.
 */
import { z } from '@hono/zod-openapi';
import { VERIFICATION_METHODS } from '../../workflows/booking/contract.js';
import { SAVED_PAYMENT_METHOD_TYPES, SETUP_ID_PATTERN, SETUP_STATUSES } from '../../workflows/setup/contract.js';
import { MicrodepositResultSchema, MicrodepositsViewSchema } from '../http/microdeposit-schemas.js';
import { CustomerIdParamsSchema, email, matching, nullableInstant, text } from '../http/schemas.js';
import { SavedPaymentMethodSchema } from '../saved-payment-methods/schemas.js';

const setupId = matching(
  SETUP_ID_PATTERN,
  'must be 1-100 letters, digits, "_" or "-", starting with a letter or digit',
).openapi({ example: 'setup_2024_0001' });

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
const CardSetupSchema = z.strictObject({ ...setupFields, type: z.literal('card') }).openapi('StartCardSetupRequest');

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
  clientSecret: z
    .string()
    .nullable()
    .openapi({
      description:
        "The SetupIntent's client secret for Stripe.js (`confirmCardSetup`, `confirmUsBankAccountSetup`); null once " +
        "the setup has finished. Hand it to the customer's browser only; never log or store it",
    }),
}).openapi('PaymentMethodSetupStarted');

/** Answer of `POST /v1/customers/{customerId}/payment-methods/setups/{setupId}/microdeposits`. */
export const SetupMicrodepositOutcomeSchema = z
  .object({
    result: MicrodepositResultSchema,
    attemptsRemaining: z.number().int(),
    setup: SetupViewSchema,
  })
  .openapi('SetupMicrodepositOutcome');
