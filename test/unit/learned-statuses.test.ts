import { describe, expect, it } from 'vitest';
import { learnedStatusesIn } from '../../activities/common/learned-payment-intent-statuses.js';

describe('the PaymentIntent statuses an activity learned', () => {
  it('finds the snapshot a booking activity returns, alone or in a field of its answer', () => {
    const snapshot = { paymentIntentId: 'pi_1', status: 'requires_capture', cancellationReason: null };
    expect(learnedStatusesIn(snapshot)).toEqual([{ paymentIntentId: 'pi_1', status: 'requires_capture' }]);
    // placeHold answers the customer with the PaymentIntent; verifyMicrodeposits its verdict with it.
    expect(learnedStatusesIn({ stripeCustomerId: 'cus_1', paymentIntent: snapshot })).toEqual([
      { paymentIntentId: 'pi_1', status: 'requires_capture' },
    ]);
    expect(learnedStatusesIn({ result: 'verified', snapshot: { ...snapshot, status: 'processing' } })).toEqual([
      { paymentIntentId: 'pi_1', status: 'processing' },
    ]);
  });

  it('finds nothing in an answer without a PaymentIntent', () => {
    expect(learnedStatusesIn(null)).toEqual([]);
    expect(learnedStatusesIn({ result: 'mismatch', snapshot: null })).toEqual([]);
    expect(learnedStatusesIn('cus_1')).toEqual([]);
  });
});
