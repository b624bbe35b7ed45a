import type { MetricCounter, MetricTags } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { DEBITS_COUNTER, HOLDS_COUNTER, countBusinessOutcome } from '../../activities/common/business-metrics.js';
import { NOTIFICATION_TYPES } from '../../workflows/booking/contract.js';

/** A meter that remembers what was added to which counter. */
function recordingMeter() {
  const added: Array<{ counter: string; value: number; tags?: MetricTags }> = [];
  return {
    added,
    createCounter: (counter: string) =>
      ({
        add: (value: number, tags?: MetricTags) => {
          added.push({ counter, value, tags });
        },
      }) as Partial<MetricCounter> as MetricCounter,
  };
}

describe('business counters', () => {
  it('counts each hold and debit outcome on its counter, by outcome', () => {
    const meter = recordingMeter();
    for (const type of [
      'hold.held',
      'hold.released',
      'hold.expired',
      'hold.declined',
      'hold.release_failed',
    ] as const) {
      countBusinessOutcome(meter, type);
    }
    for (const type of ['payment.succeeded', 'payment.failed', 'payment.disputed'] as const)
      countBusinessOutcome(meter, type);
    expect(meter.added).toEqual([
      { counter: HOLDS_COUNTER, value: 1, tags: { outcome: 'placed' } },
      { counter: HOLDS_COUNTER, value: 1, tags: { outcome: 'released' } },
      { counter: HOLDS_COUNTER, value: 1, tags: { outcome: 'expired' } },
      { counter: HOLDS_COUNTER, value: 1, tags: { outcome: 'declined' } },
      { counter: HOLDS_COUNTER, value: 1, tags: { outcome: 'release_failed' } },
      { counter: DEBITS_COUNTER, value: 1, tags: { outcome: 'succeeded' } },
      { counter: DEBITS_COUNTER, value: 1, tags: { outcome: 'failed' } },
      { counter: DEBITS_COUNTER, value: 1, tags: { outcome: 'disputed' } },
    ]);
  });

  it('counts nothing for notifications that are not one of those outcomes', () => {
    const meter = recordingMeter();
    const others = NOTIFICATION_TYPES.filter(
      (type) =>
        ![
          'hold.held',
          'hold.released',
          'hold.expired',
          'hold.declined',
          'hold.release_failed',
          'payment.succeeded',
          'payment.failed',
          'payment.disputed',
        ].includes(type),
    );
    for (const type of others) countBusinessOutcome(meter, type);
    expect(others.length).toBeGreaterThan(0);
    expect(meter.added).toEqual([]);
  });
});
