/**
 * The emulator's state file: a versioned JSON document holding every Stripe object, event,
 * saved idempotent result, webhook delivery and the clock offset, written atomically.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ChargeObject } from '../objects/charge.js';
import type { CustomerObject } from '../objects/customer.js';
import type { EventObject } from '../objects/event.js';
import type { PaymentIntentObject } from '../objects/payment-intent.js';
import type { PaymentMethodObject } from '../objects/payment-method.js';
import type { BankDebitRecord } from '../bank-debits/bank-debit-record.js';
import type { DisputeObject } from '../objects/dispute.js';
import {
  BALANCE_REFRESH_OUTCOMES,
  type FinancialConnectionsAccountObject,
} from '../objects/financial-connections-account.js';
import type { MandateObject } from '../objects/mandate.js';
import type { RefundObject } from '../objects/refund.js';
import type { SetupIntentObject } from '../objects/setup-intent.js';
import type { BankSetupRecord } from '../setup-intents/bank-setup-record.js';
import type { PaymentMethodBehaviour } from '../store.js';

/** What the `format` field of every state file says. */
export const STATE_FILE_FORMAT = 'stripe-emulator-state';
/**
 * The only state file version this emulator reads and writes; bump it when the shape changes in a
 * way older files cannot be read. (Bank debit objects, SetupIntents and failed confirmation counts were added as
 * optional lists: version 1 still.)
 */
export const STATE_FILE_VERSION = 1;

/** A state file that cannot be used; the message names the file and what is wrong with it. */
export class StateFileError extends Error {
  constructor(file: string, problem: string) {
    super(`Stripe emulator state file ${file}: ${problem}`);
    this.name = 'StateFileError';
  }
}

/** A Stripe object as the emulator stored it: checked for its id prefix, otherwise taken as written. */
function stripeObject<T>(idPrefix: string) {
  return z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { id?: unknown }).id === 'string' &&
      (value as { id: string }).id.startsWith(`${idPrefix}_`),
    { message: `expected a Stripe object with an id starting with ${idPrefix}_` },
  );
}

const storedResponseSchema = z.object({
  status: z.number().int(),
  body: z.string(),
  contentType: z.string(),
  requestId: z.string(),
});

const webhookDeliverySchema = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  copy: z.number().int().min(0),
  redelivery: z.boolean(),
  state: z.enum(['held', 'pending', 'delivered', 'failed']),
  attempts: z.array(
    z.object({
      attempt: z.number().int().positive(),
      at: z.string(),
      status: z.number().int().nullable(),
      error: z.string().nullable(),
    }),
  ),
});

const stateFileSchema = z.object({
  format: z.literal(STATE_FILE_FORMAT),
  version: z.literal(STATE_FILE_VERSION),
  savedAt: z.string(),
  clock: z.object({ offsetSeconds: z.number().min(0) }),
  customers: z.array(stripeObject<CustomerObject>('cus')),
  paymentMethods: z.array(
    z.object({
      object: stripeObject<PaymentMethodObject>('pm'),
      behaviour: z.custom<PaymentMethodBehaviour>(
        (value) =>
          typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string',
        { message: 'expected a card or bank account behaviour' },
      ),
      setUpForOffSession: z.boolean().optional(),
    }),
  ),
  paymentIntents: z.array(stripeObject<PaymentIntentObject>('pi')),
  charges: z.array(stripeObject<ChargeObject>('ch')),
  // Added with ACH direct debit; files written before have none of them.
  mandates: z.array(stripeObject<MandateObject>('mandate')).default([]),
  refunds: z.array(stripeObject<RefundObject>('re')).default([]),
  disputes: z.array(stripeObject<DisputeObject>('du')).default([]),
  financialConnectionsAccounts: z.array(stripeObject<FinancialConnectionsAccountObject>('fca')).default([]),
  // Added with asynchronous balance refreshes; files written before have none.
  institutionBalances: z
    .array(
      z.object({
        accountId: z.string(),
        balanceCents: z.number().int(),
        refreshOutcome: z.enum(BALANCE_REFRESH_OUTCOMES),
        refreshDueAt: z.number().nullable(),
      }),
    )
    .default([]),
  bankDebits: z
    .array(
      z.custom<BankDebitRecord>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as { paymentIntentId?: unknown }).paymentIntentId === 'string',
        { message: 'expected a bank debit record' },
      ),
    )
    .default([]),
  // Added with SetupIntents (saved payment methods); files written before have none.
  setupIntents: z.array(stripeObject<SetupIntentObject>('seti')).default([]),
  bankSetups: z
    .array(
      z.custom<BankSetupRecord>(
        (value) =>
          typeof value === 'object' &&
          value !== null &&
          typeof (value as { setupIntentId?: unknown }).setupIntentId === 'string',
        { message: 'expected a bank setup record' },
      ),
    )
    .default([]),
  // Added with the confirmation limit; files written before count no failed confirmations.
  failedConfirmations: z
    .array(z.object({ paymentIntentId: z.string(), failures: z.number().int().positive() }))
    .default([]),
  // Added with client secret ownership; PaymentIntents of files written before show their secret to any key.
  paymentIntentOwners: z.array(z.object({ paymentIntentId: z.string(), keyDigest: z.string() })).default([]),
  /** Oldest first. */
  events: z.array(stripeObject<EventObject>('evt')),
  idempotency: z.array(
    z.object({
      id: z.string(),
      fingerprint: z.object({ endpoint: z.string(), parameters: z.string() }),
      createdAt: z.number().int(),
      response: storedResponseSchema,
    }),
  ),
  webhookDeliveries: z.array(webhookDeliverySchema),
});

/** Everything a state file holds. */
export type EmulatorState = z.infer<typeof stateFileSchema>;

/** The state saved in `file`, undefined when there is no such file yet; throws StateFileError for a file it cannot use. */
export function readStateFile(file: string): EmulatorState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(file, `cannot be read (${(error as Error).message})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(
      file,
      `is not valid JSON (${(error as Error).message}); move it aside or delete it to start empty`,
    );
  }
  const header = z.object({ format: z.string(), version: z.unknown() }).safeParse(document);
  if (!header.success || header.data.format !== STATE_FILE_FORMAT) {
    throw new StateFileError(file, `is not a Stripe emulator state file (no "format": "${STATE_FILE_FORMAT}")`);
  }
  if (header.data.version !== STATE_FILE_VERSION) {
    throw new StateFileError(
      file,
      `has format version ${JSON.stringify(header.data.version)} but this emulator reads version ${STATE_FILE_VERSION}; ` +
        'move it aside or delete it to start empty',
    );
  }
  const parsed = stateFileSchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new StateFileError(file, `is damaged (${issues.join('; ')}); move it aside or delete it to start empty`);
  }
  return parsed.data;
}

/** The text written for `state`. */
export function encodeStateFile(state: EmulatorState): string {
  return `${JSON.stringify(state)}\n`;
}

/**
 * Replaces `file` with `text` atomically: written and synced to a temporary file next to it, then
 * renamed over it, so a crash leaves either the old or the new state. Owner-only (mode 600).
 */
export async function writeStateFileAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
