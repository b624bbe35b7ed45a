/** Payment methods customers saved for later bookings (`saved_payment_methods`): every statement on it. */
import type {
  SavedPaymentMethod,
  SavedPaymentMethodStatus,
  SavedPaymentMethodType,
} from '../workflows/setup/contract.js';
import type { Queryable } from './transaction.js';

/** A payment method as the setup workflow records it once its SetupIntent succeeded. */
export interface NewSavedPaymentMethod {
  paymentMethodId: string;
  customerId: string;
  stripeCustomerId: string;
  type: SavedPaymentMethodType;
  brand: string | null;
  bankName: string | null;
  last4: string | null;
  expMonth: number | null;
  expYear: number | null;
  mandateId: string | null;
  mandateStatus: string | null;
  setupId: string;
  setupIntentId: string;
}

interface SavedRow {
  payment_method_id: string;
  customer_id: string;
  type: SavedPaymentMethodType;
  brand: string | null;
  bank_name: string | null;
  last4: string | null;
  exp_month: number | null;
  exp_year: number | null;
  mandate_id: string | null;
  mandate_status: string | null;
  status: SavedPaymentMethodStatus;
  unusable_reason: string | null;
  setup_id: string | null;
  created_at: Date;
}

const COLUMNS =
  'payment_method_id, customer_id, type, brand, bank_name, last4, exp_month, exp_year, mandate_id, mandate_status, status, unusable_reason, setup_id, created_at';

function toSavedPaymentMethod(row: SavedRow): SavedPaymentMethod {
  return {
    paymentMethodId: row.payment_method_id,
    customerId: row.customer_id,
    type: row.type,
    brand: row.brand,
    bankName: row.bank_name,
    last4: row.last4,
    expMonth: row.exp_month,
    expYear: row.exp_year,
    mandate: row.mandate_id ? { id: row.mandate_id, status: row.mandate_status ?? 'unknown' } : null,
    status: row.status,
    unusableReason: row.unusable_reason,
    setupId: row.setup_id,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * Records a saved payment method; recording the same one again (a retried activity) changes
 * nothing but returns the row, and a method detached earlier stays detached.
 */
export async function recordSavedPaymentMethod(
  db: Queryable,
  method: NewSavedPaymentMethod,
): Promise<SavedPaymentMethod> {
  await db.query(
    `INSERT INTO saved_payment_methods
       (payment_method_id, customer_id, stripe_customer_id, type, brand, bank_name, last4, exp_month, exp_year,
        mandate_id, mandate_status, mandate_status_at, setup_id, setup_intent_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $10::text IS NULL THEN NULL ELSE now() END, $12, $13)
     ON CONFLICT (payment_method_id) DO NOTHING`,
    [
      method.paymentMethodId,
      method.customerId,
      method.stripeCustomerId,
      method.type,
      method.brand,
      method.bankName,
      method.last4,
      method.expMonth,
      method.expYear,
      method.mandateId,
      method.mandateStatus,
      method.setupId,
      method.setupIntentId,
    ],
  );
  const saved = await findSavedPaymentMethod(db, method.paymentMethodId);
  return saved!;
}

/** One saved payment method by its Stripe id, whatever its status. */
export async function findSavedPaymentMethod(
  db: Queryable,
  paymentMethodId: string,
): Promise<SavedPaymentMethod | null> {
  const result = await db.query<SavedRow>(`SELECT ${COLUMNS} FROM saved_payment_methods WHERE payment_method_id = $1`, [
    paymentMethodId,
  ]);
  return result.rows[0] ? toSavedPaymentMethod(result.rows[0]) : null;
}

/** A customer's saved payment methods that are not detached, newest first. */
export async function listSavedPaymentMethods(db: Queryable, customerId: string): Promise<SavedPaymentMethod[]> {
  const result = await db.query<SavedRow>(
    `SELECT ${COLUMNS} FROM saved_payment_methods
     WHERE customer_id = $1 AND status <> 'detached'
     ORDER BY created_at DESC, payment_method_id`,
    [customerId],
  );
  return result.rows.map(toSavedPaymentMethod);
}

/** Marks a saved payment method detached (it stays recorded for the bookings that used it). */
export async function markSavedPaymentMethodDetached(db: Queryable, paymentMethodId: string): Promise<void> {
  await db.query(
    `UPDATE saved_payment_methods SET status = 'detached', updated_at = now() WHERE payment_method_id = $1`,
    [paymentMethodId],
  );
}

/**
 * Marks a saved payment method unusable (mandate revoked, card expired) unless it was detached;
 * `mandateStatus` records what Stripe said of the mandate, when that was the reason.
 */
export async function markSavedPaymentMethodUnusable(
  db: Queryable,
  input: { paymentMethodId: string; reason: string; mandateStatus?: string },
): Promise<void> {
  await db.query(
    `UPDATE saved_payment_methods
     SET status = CASE WHEN status = 'detached' THEN status ELSE 'unusable' END,
         unusable_reason = $2,
         mandate_status = COALESCE($3, mandate_status),
         mandate_status_at = CASE WHEN $3::text IS NULL THEN mandate_status_at ELSE now() END,
         updated_at = now()
     WHERE payment_method_id = $1`,
    [input.paymentMethodId, input.reason, input.mandateStatus ?? null],
  );
}

/**
 * Where a mandate status stands in Stripe's lifecycle: pending, then active, then inactive (final).
 * Unknown statuses get NULL, so they are never applied.
 */
const MANDATE_STATUS_RANK = (column: string) =>
  `CASE ${column} WHEN 'pending' THEN 0 WHEN 'active' THEN 1 WHEN 'inactive' THEN 2 END`;

/**
 * Applies a `mandate.updated` event: records the mandate's status when it is further along Stripe's
 * lifecycle than the one recorded (a redelivered or late event never moves it back, and no clock is
 * compared: Stripe's event times and this database's are different clocks), and makes the payment
 * method unusable once its mandate is inactive. Returns how many records changed.
 */
export async function applyMandateStatus(
  db: Queryable,
  input: { mandateId: string; status: string; occurredAt: Date },
): Promise<number> {
  const result = await db.query(
    `UPDATE saved_payment_methods
     SET mandate_status = $2,
         mandate_status_at = $3,
         status = CASE WHEN status = 'detached' OR $2 <> 'inactive' THEN status ELSE 'unusable' END,
         unusable_reason = CASE WHEN status = 'detached' OR $2 <> 'inactive' THEN unusable_reason ELSE 'mandate_inactive' END,
         updated_at = now()
     WHERE mandate_id = $1
       AND ${MANDATE_STATUS_RANK('$2::text')} > COALESCE(${MANDATE_STATUS_RANK('mandate_status')}, -1)`,
    [input.mandateId, input.status, input.occurredAt],
  );
  return result.rowCount ?? 0;
}
