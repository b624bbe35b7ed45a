import { describe, expect, it } from 'vitest';
import { confirmHoldKey, customerKey, holdKey, releaseKey } from '../../activities/idempotency-keys.js';

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
});
