/** The log scan the chaos scenarios and observability tests rely on finds card numbers, not ids that look like them. */
import { describe, expect, it } from 'vitest';
import { findSensitiveData } from '../../harness/sensitive-data.js';

describe('findSensitiveData', () => {
  it('finds a Luhn-valid card number, whole or grouped by spaces or dashes', () => {
    for (const card of ['4242424242424242', '4242 4242 4242 4242', '4242-4242-4242-4242']) {
      expect(findSensitiveData([`{"message":"card ${card}"}`])).toHaveLength(1);
    }
  });

  it('does not take a UUID whose last groups are 16 digits passing Luhn for a card number', () => {
    // A request id seen in the API's log: 8362-623253182798 passes the Luhn check.
    const line =
      '{"message":"request","requestId":"08aa5ac9-96f8-47cb-8362-623253182798","route":"/v1/webhooks/stripe"}';
    expect(findSensitiveData([line])).toEqual([]);
  });

  it("finds every network's test card numbers (docs.stripe.com/testing), whole or grouped", () => {
    const cards = [
      '4242424242424242', // Visa
      '4000056655665556', // Visa debit
      '5555555555554444', // Mastercard
      '2223003122003222', // Mastercard 2-series
      '378282246310005', // American Express
      '6011111111111117', // Discover
      '3056930009020004', // Diners Club, 16 digits
      '36227206271667', // Diners Club, 14 digits
      '3566002020360505', // JCB
      '6200000000000005', // UnionPay
      '6205500000000000004', // UnionPay, 19 digits
    ];
    for (const card of cards) {
      expect(findSensitiveData([`{"message":"card ${card}"}`]), card).toHaveLength(1);
      expect(findSensitiveData([`{"message":"card ${card.replace(/(\d{4})(?=\d)/g, '$1 ')}"}`]), card).toHaveLength(1);
    }
  });

  it('finds digits in a field named for a card, whatever they start with and mistyped (no Luhn) too', () => {
    for (const line of [
      '{"cardNumber":"1234567890123456"}',
      'card[number]=4242 4242 4242 4241',
      '{"pan":"9050603123456780"}',
      '{"card_number": 4242424242424241}',
    ]) {
      expect(findSensitiveData([line]), line).toHaveLength(1);
    }
  });

  it('does not take Luhn-valid timestamps, numeric ids or migration names for card numbers', () => {
    const lines = [
      '{"message":"migrate","detail":"Migrating files: 1732000000007_inbox-handled-events"}',
      '{"time":1764000000000,"message":"relay pass"}',
      '{"bookingId":"1234567890123456785"}',
      '{"eventId":"9050603123456783","count":80000000000003}',
    ];
    for (const line of lines) expect(findSensitiveData([line]), line).toEqual([]);
  });

  it('finds the forbidden values given', () => {
    expect(findSensitiveData(['account 000123456789 debited'], ['000123456789'])).toHaveLength(1);
  });
});
