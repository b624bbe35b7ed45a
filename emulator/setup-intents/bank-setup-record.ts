/** What the emulator remembers about a bank account being saved beyond the SetupIntent: its microdeposits. */
import type { MicrodepositRecord } from '../bank-debits/bank-debit-record.js';

/** The emulator's bookkeeping of a SetupIntent saving a bank account. */
export interface BankSetupRecord {
  setupIntentId: string;
  /** Microdeposits waiting for the customer's proof; null when none are pending. */
  microdeposits: MicrodepositRecord | null;
}
