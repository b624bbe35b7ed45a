import { describe, expect, it } from 'vitest';
import {
  confirmHoldKey,
  customerKey,
  holdKey,
  microdepositSubmissionKey,
  refundKey,
  releaseKey,
  verifyMicrodepositsKey,
  writeAttemptKey,
} from '../../activities/common/idempotency-keys.js';

describe('Stripe idempotency keys', () => {
  it('gives a retried hold the same key and a new attempt a new key', () => {
    expect(holdKey('b-1', 1)).toBe(holdKey('b-1', 1));
    expect(holdKey('b-1', 2)).not.toBe(holdKey('b-1', 1));
    expect(holdKey('b-2', 1)).not.toBe(holdKey('b-1', 1));
    expect(confirmHoldKey('b-1', 2)).not.toBe(confirmHoldKey('b-1', 1));
    expect(confirmHoldKey('b-1', 1)).not.toBe(holdKey('b-1', 1));
  });

  it('keys each renewal of a hold by booking, attempt and renewal number, the first keeping the key it always had', () => {
    expect(holdKey('b-1', 1, 0)).toBe(holdKey('b-1', 1));
    expect(holdKey('b-1', 1, 1)).toBe('booking-b-1:hold:1:renewal:1');
    const keys = [holdKey('b-1', 1), holdKey('b-1', 1, 1), holdKey('b-1', 1, 2), holdKey('b-1', 2, 1)];
    expect(new Set(keys).size).toBe(keys.length);
    expect(confirmHoldKey('b-1', 1, 1)).not.toBe(confirmHoldKey('b-1', 1));
    // The on-session confirmation after authentication_required is a write of its own.
    expect(confirmHoldKey('b-1', 1, 1, true)).not.toBe(confirmHoldKey('b-1', 1, 1));
  });

  it('keys releases by PaymentIntent and customers by customer id and details', () => {
    const guest = { email: 'guest@example.com', name: 'Test Guest' };
    expect(releaseKey('b-1', 'pi_a')).not.toBe(releaseKey('b-1', 'pi_b'));
    expect(customerKey('c-1', guest)).toBe(customerKey('c-1', { ...guest }));
    expect(customerKey('c-1', guest)).not.toBe(customerKey('c-2', guest));
    expect(customerKey('c-1', guest, 'cus_gone')).not.toBe(customerKey('c-1', guest));
    // Stripe refuses a key reused with other parameters: other details, another key.
    expect(customerKey('c-1', { ...guest, email: 'guest+work@example.com' })).not.toBe(customerKey('c-1', guest));
    expect(customerKey('c-1', { ...guest, name: 'T. Guest' })).not.toBe(customerKey('c-1', guest));
  });

  it('keys a customer whose id an HTTP header cannot carry by a hash of it', () => {
    const guest = { email: 'guest@example.com', name: 'Test Guest' };
    expect(customerKey('c-1', guest)).toMatch(/^customer-c-1:create:[0-9a-f]{16}$/);
    for (const id of ['a\u0000b\u001b[31m', '名前 ☃', ' padded ']) {
      expect(customerKey(id, guest)).toMatch(/^customer-sha256-[0-9a-f]{64}:create:[0-9a-f]{16}$/);
      expect(customerKey(id, guest)).toBe(customerKey(id, guest));
    }
    expect(customerKey('名前', guest)).not.toBe(customerKey('名前 ☃', guest));
  });
  it('keeps the operation key for its first write attempt and gives each later attempt its own', () => {
    const refund = refundKey('b-1', 'pi_a');
    expect(writeAttemptKey(refund, undefined)).toBe(refund);
    expect(writeAttemptKey(refund, 1)).toBe(refund);
    expect(writeAttemptKey(refund, 2)).toBe(`${refund}:write-2`);
    expect(writeAttemptKey(refund, 3)).not.toBe(writeAttemptKey(refund, 2));
  });

  it('keys microdeposit submissions by their number across the booking, apart from the per-attempt keys', () => {
    expect(microdepositSubmissionKey('b-1', 'pi_a', 1)).not.toBe(microdepositSubmissionKey('b-1', 'pi_a', 2));
    expect(microdepositSubmissionKey('b-1', 'pi_a', 1)).not.toBe(verifyMicrodepositsKey('b-1', 'pi_a', 1, 1));
  });
});
