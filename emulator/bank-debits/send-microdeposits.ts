/** Sending microdeposits to a bank account typed in by hand, for a PaymentIntent or a SetupIntent. */
import type { MicrodepositType, NextAction } from '../objects/payment-intent.js';
import { addBusinessDays, MICRODEPOSIT_VERIFICATION_SECONDS } from './ach-timings.js';
import type { MicrodepositRecord } from './bank-debit-record.js';

/** Microdeposits sent at `now`: they arrive the next business day and can be verified for 10 days. */
export function sendMicrodeposits(now: number): MicrodepositRecord {
  return {
    sentAt: now,
    arrivalDate: addBusinessDays(now, 1),
    expiresAt: now + MICRODEPOSIT_VERIFICATION_SECONDS,
    amountAttempts: 0,
    descriptorCodeAttempts: 0,
  };
}

/** The `verify_with_microdeposits` next action pointing the customer at the hosted verification page. */
export function verifyWithMicrodepositsAction(
  microdeposits: MicrodepositRecord,
  hostedVerificationUrl: string,
  microdepositType: MicrodepositType,
): NextAction {
  return {
    type: 'verify_with_microdeposits',
    verify_with_microdeposits: {
      arrival_date: microdeposits.arrivalDate,
      hosted_verification_url: hostedVerificationUrl,
      microdeposit_type: microdepositType,
    },
  };
}
