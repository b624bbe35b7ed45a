/**
 * The microdeposits of a bank account being verified, for a booking's bank payment and for a saved
 * bank account alike: the body that verifies them and how the views show them while they wait.
 */
import { z } from '@hono/zod-openapi';
import {
  DESCRIPTOR_CODE_PATTERN,
  MICRODEPOSIT_ATTEMPTS,
  type VerifyMicrodepositsRequest,
} from '../../workflows/booking/contract.js';
import { matching, nullableInstant } from './schemas.js';

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

/**
 * Body of `POST /v1/bookings/{bookingId}/microdeposits` and of a setup's `…/microdeposits`: the descriptor code
 * or the two amounts, exactly one.
 */
export const VerifyMicrodepositsBodySchema = z
  .union([DescriptorCodeSchema, MicrodepositAmountsSchema], { error: 'give exactly one of descriptorCode or amounts' })
  .openapi('VerifyMicrodepositsRequest', {}, { unionPreferredType: 'oneOf' });

/** The update's argument from a validated microdeposits body: the code or the amounts, never both. */
export function microdepositValues(body: z.output<typeof VerifyMicrodepositsBodySchema>): VerifyMicrodepositsRequest {
  return 'amounts' in body ? { amounts: body.amounts } : { descriptorCode: body.descriptorCode };
}

/** Microdeposits sent to verify a bank account, while they wait for the customer. */
export const MicrodepositsViewSchema = z
  .object({
    type: z.enum(Object.keys(MICRODEPOSIT_ATTEMPTS) as [keyof typeof MICRODEPOSIT_ATTEMPTS]),
    arrivalDate: nullableInstant,
    hostedVerificationUrl: z.string().nullable(),
    attemptsRemaining: z.number().int(),
    expiresAt: z.string(),
  })
  .nullable();

/** Stripe's verdict on a verification attempt, as a booking's and a setup's answers both give it. */
export const MicrodepositResultSchema = z.enum(['verified', 'mismatch', 'attempts_exceeded', 'expired']);
