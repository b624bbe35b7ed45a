/** What the emulator remembers about one bank debit beyond the Stripe objects: its verification and timetable. */

/** Microdeposits sent to verify the account, and the attempts made against them. */
export interface MicrodepositRecord {
  sentAt: number;
  arrivalDate: number;
  /** Verification times out at this moment (10 days after sending). */
  expiresAt: number;
  amountAttempts: number;
  descriptorCodeAttempts: number;
}

/** The emulator's bookkeeping of a PaymentIntent paid by bank debit. */
export interface BankDebitRecord {
  paymentIntentId: string;
  mandateId: string | null;
  microdeposits: MicrodepositRecord | null;
  /** When the debit entered `processing`. */
  processingSince: number | null;
  /** When it settles; null while not processing or when it never settles. */
  settlesAt: number | null;
  /** Until when a processing debit may still be canceled; null when always (it is never submitted). */
  cancelableUntil: number | null;
  /** When the customer disputes the settled debit; null when they never do. */
  disputeAt: number | null;
  /** Bank refunds still pending, with the moment each reaches the customer's bank. */
  pendingRefunds: Array<{ refundId: string; settlesAt: number }>;
}

/** A fresh record for a PaymentIntent about to be debited. */
export function newBankDebitRecord(paymentIntentId: string): BankDebitRecord {
  return {
    paymentIntentId,
    mandateId: null,
    microdeposits: null,
    processingSince: null,
    settlesAt: null,
    cancelableUntil: null,
    disputeAt: null,
    pendingRefunds: [],
  };
}
