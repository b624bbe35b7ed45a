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
} from '../../activities/idempotency-keys.js';

describe('Stripe idempotency keys', () => {
  it('gives a retried hold the same key and a new attempt a new key', () => {
    expect(holdKey('b-1', 1)).toBe(holdKey('b-1', 1));
    expect(holdKey('b-1', 2)).not.toBe(holdKey('b-1', 1));
    expect(holdKey('b-2', 1)).not.toBe(holdKey('b-1', 1));
    expect(confirmHoldKey('b-1', 2)).not.toBe(confirmHoldKey('b-1', 1));
    expect(confirmHoldKey('b-1', 1)).not.toBe(holdKey('b-1', 1));
  });

  it('keys releases by PaymentIntent and customers by customer id', () => {
    expect(releaseKey('b-1', 'pi_a')).not.toBe(releaseKey('b-1', 'pi_b'));
    expect(customerKey('c-1')).toBe(customerKey('c-1'));
    expect(customerKey('c-1')).not.toBe(customerKey('c-2'));
    expect(customerKey('c-1', 'cus_gone')).not.toBe(customerKey('c-1'));
  });

  it('keys a customer whose id an HTTP header cannot carry by a hash of it', () => {
    expect(customerKey('c-1')).toBe('customer-c-1:create');
    for (const id of ['a\u0000b\u001b[31m', '名前 ☃', ' padded ']) {
      expect(customerKey(id)).toMatch(/^customer-sha256-[0-9a-f]{64}:create$/);
      expect(customerKey(id)).toBe(customerKey(id));
    }
    expect(customerKey('名前')).not.toBe(customerKey('名前 ☃'));
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
