/** The microdeposits a bank account is verified with, as a workflow follows them. Deterministic: workflow code only. */
import type { MicrodepositsSnapshot } from '../../activities/common/payment-intent-snapshot.js';
import { MICRODEPOSIT_ATTEMPTS, MICRODEPOSIT_VALIDITY_SECONDS, type MicrodepositState } from '../booking/contract.js';

/** The microdeposits Stripe has just sent: every attempt Stripe allows left, valid for 10 days from now. */
export function startMicrodeposits(sent: MicrodepositsSnapshot): MicrodepositState {
  return {
    type: sent.type,
    arrivalDate: sent.arrivalDate,
    hostedVerificationUrl: sent.hostedVerificationUrl,
    attemptsRemaining: MICRODEPOSIT_ATTEMPTS[sent.type],
    expiresAt: new Date(Date.now() + MICRODEPOSIT_VALIDITY_SECONDS * 1000).toISOString(),
  };
}
