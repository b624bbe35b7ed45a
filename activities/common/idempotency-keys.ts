/**
 * Idempotency keys for Stripe writes, derived only from the business operation: the booking,
 * the step and the workflow's own hold-attempt counter. Never time, run id or activity attempt,
 * so a retried activity replays the same key and Stripe returns the first result.
 */
import { createHash } from 'node:crypto';

/**
 * The key of one write attempt of a business operation. The first attempt keeps the operation's
 * key; a later one (the workflow read Stripe and found the earlier attempt never happened, or its
 * key may have expired) gets its own, so Stripe neither replays a saved 5xx nor runs a forgotten
 * key twice. The attempt number comes from workflow state, never from time or the run.
 */
export function writeAttemptKey(operationKey: string, writeAttempt: number | undefined): string {
  return writeAttempt !== undefined && writeAttempt > 1 ? `${operationKey}:write-${writeAttempt}` : operationKey;
}

/** The suffix of a renewal's keys: none for an attempt's first authorization, `:renewal:<n>` for the n-th renewal. */
const renewalSuffix = (renewal: number | undefined): string => (renewal ? `:renewal:${renewal}` : '');

/** Key for creating the hold's PaymentIntent of one attempt (and renewal, for a later authorization). */
export function holdKey(bookingId: string, attempt: number, renewal?: number): string {
  return `booking-${bookingId}:hold:${attempt}${renewalSuffix(renewal)}`;
}

/**
 * Key for placing the hold of one attempt (and renewal) in one request: its PaymentIntent created
 * and confirmed at once. Its own key: the request differs from an unconfirmed create.
 */
export function placeHoldKey(bookingId: string, attempt: number, renewal?: number): string {
  return `booking-${bookingId}:place:${attempt}${renewalSuffix(renewal)}`;
}

/**
 * Key for confirming (authorizing) the hold of one attempt (and renewal); `onSession` for the
 * confirmation that brings the customer back after an off-session `authentication_required`.
 */
export function confirmHoldKey(bookingId: string, attempt: number, renewal?: number, onSession = false): string {
  return `booking-${bookingId}:confirm:${attempt}${renewalSuffix(renewal)}${onSession ? ':on-session' : ''}`;
}

/** Key for cancelling (releasing) one PaymentIntent of a booking. */
export function releaseKey(bookingId: string, paymentIntentId: string): string {
  return `booking-${bookingId}:release:${paymentIntentId}`;
}

/**
 * Key for creating the Stripe Customer of one of the booking service's customers, with the details
 * it is created with: Stripe refuses a key reused with other parameters (`idempotency_error`), and
 * two bookings of one customer may carry different details. A replacement for a Customer Stripe no
 * longer knows is keyed by the one it replaces.
 */
export function customerKey(
  customerId: string,
  details: { email: string; name: string },
  replacing: string | null = null,
): string {
  const customer = headerSafeId(customerId);
  const digest = createHash('sha256')
    .update(JSON.stringify([details.email, details.name]), 'utf8')
    .digest('hex')
    .slice(0, 16);
  return replacing ? `customer-${customer}:replace:${replacing}:${digest}` : `customer-${customer}:create:${digest}`;
}

/** Printable ASCII without leading or trailing spaces: what an HTTP header value carries unchanged. */
const HEADER_SAFE = /^[\x21-\x7E](?:[\x20-\x7E]*[\x21-\x7E])?$/;

/**
 * The booking service's customer ids are free text; the key goes in the `Idempotency-Key` header,
 * which refuses control and non-ASCII characters, so such an id is keyed by its SHA-256 instead.
 */
function headerSafeId(customerId: string): string {
  return HEADER_SAFE.test(customerId)
    ? customerId
    : `sha256-${createHash('sha256').update(customerId, 'utf8').digest('hex')}`;
}

/** Key for creating the bank payment's PaymentIntent of one attempt. */
export function bankPaymentKey(bookingId: string, attempt: number): string {
  return `booking-${bookingId}:payment:${attempt}`;
}

/** Key for placing the bank payment of one attempt in one request: created and submitted at once. */
export function placeBankPaymentKey(bookingId: string, attempt: number): string {
  return `booking-${bookingId}:payment-place:${attempt}`;
}

/** Key for confirming (submitting) the bank payment of one attempt. */
export function confirmBankPaymentKey(bookingId: string, attempt: number): string {
  return `booking-${bookingId}:payment-confirm:${attempt}`;
}

/**
 * Key for one microdeposit verification attempt of one bank account (payment attempt): a retried
 * call replays, a new attempt or a new bank account on the same PaymentIntent is new.
 */
export function verifyMicrodepositsKey(
  bookingId: string,
  paymentIntentId: string,
  paymentAttempt: number,
  attemptNumber: number,
): string {
  return `booking-${bookingId}:verify:${paymentIntentId}:${paymentAttempt}:${attemptNumber}`;
}

/**
 * Key for one microdeposit submission of a booking, numbered across the booking and never reset:
 * a submission after a late event restarted the attempts never reuses a key with other values.
 */
export function microdepositSubmissionKey(bookingId: string, paymentIntentId: string, submission: number): string {
  return `booking-${bookingId}:verify:${paymentIntentId}:submission-${submission}`;
}

/** Key for the balance refresh of a bank payment attempt's account. */
export function balanceRefreshKey(bookingId: string, attempt: number): string {
  return `booking-${bookingId}:balance-refresh:${attempt}`;
}

/** Key for cancelling the bank payment's PaymentIntent. */
export function cancelPaymentKey(bookingId: string, paymentIntentId: string): string {
  return `booking-${bookingId}:cancel:${paymentIntentId}`;
}

/** Key for refunding a booking's payment: one refund per PaymentIntent. */
export function refundKey(bookingId: string, paymentIntentId: string): string {
  return `booking-${bookingId}:refund:${paymentIntentId}`;
}

/** Key for creating the SetupIntent of one setup (the setup id is the caller's business key). */
export function setupIntentKey(setupId: string): string {
  return `setup-${setupId}:create`;
}

/** Key for one microdeposit verification attempt of a setup's SetupIntent. */
export function verifySetupMicrodepositsKey(setupId: string, setupIntentId: string, attemptNumber: number): string {
  return `setup-${setupId}:verify:${setupIntentId}:${attemptNumber}`;
}

/** Key for cancelling a setup's SetupIntent. */
export function cancelSetupKey(setupId: string, setupIntentId: string): string {
  return `setup-${setupId}:cancel:${setupIntentId}`;
}
