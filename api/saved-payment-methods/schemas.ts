/** The saved payment methods' schemas: the path parameters of one, and a saved payment method as listed. */
import { z } from '@hono/zod-openapi';
import { SAVED_PAYMENT_METHOD_STATUSES, SAVED_PAYMENT_METHOD_TYPES } from '../../workflows/setup/contract.js';
import { CustomerIdParamsSchema, paymentMethodId } from '../http/schemas.js';

/** Path parameters of one saved payment method. */
export const SavedPaymentMethodParamsSchema = CustomerIdParamsSchema.extend({
  paymentMethodId: paymentMethodId.openapi({
    param: { name: 'paymentMethodId', in: 'path' },
    example: 'pm_1Q0PsIJvEtkwdCNY',
  }),
});

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
