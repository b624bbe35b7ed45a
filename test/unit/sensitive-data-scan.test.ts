/** The log scan the chaos scenarios and observability tests rely on finds card numbers, not ids that look like them. */
import { describe, expect, it } from 'vitest';
import { findSensitiveData } from '../support/sensitive-data.js';

describe('findSensitiveData', () => {
  it('finds a Luhn-valid card number, whole or grouped by spaces or dashes', () => {
    for (const card of ['4242424242424242', '4242 4242 4242 4242', '4242-4242-4242-4242']) {
      expect(findSensitiveData([`{"message":"card ${card}"}`])).toHaveLength(1);
    }
  });

  it('does not take a UUID whose last groups are 16 digits passing Luhn for a card number', () => {
    // A request id seen in the API's log: 8362-623253182798 passes the Luhn check.
    const line = '{"message":"request","requestId":"08aa5ac9-96f8-47cb-8362-623253182798","route":"/v1/webhooks/stripe"}';
    expect(findSensitiveData([line])).toEqual([]);
  });

  it('finds the forbidden values given', () => {
    expect(findSensitiveData(['account 000123456789 debited'], ['000123456789'])).toHaveLength(1);
  });
});
