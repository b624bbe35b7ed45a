import type { LogEntry } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../../telemetry/logger.js';
import { formatLogEntry } from '../../worker/json-logger.js';
import { findSensitiveData } from '../../harness/sensitive-data.js';

const entry = (meta: Record<string, unknown>, message = 'Activity completed'): LogEntry => ({
  level: 'INFO',
  message,
  timestampNanos: 1_763_800_000_123_000_000n,
  meta,
});

describe('worker JSON log lines', () => {
  it('writes one JSON object with the booking id read from a booking workflow id', () => {
    const line = formatLogEntry(
      entry({
        sdkComponent: 'activity',
        workflowId: 'booking-bk-7',
        workflowType: 'bookingWorkflow',
        activityType: 'createHold',
        attempt: 1,
      }),
    );
    expect(JSON.parse(line)).toEqual({
      time: '2025-11-22T08:26:40.123Z',
      level: 'info',
      service: 'worker',
      message: 'Activity completed',
      bookingId: 'bk-7',
      sdkComponent: 'activity',
      workflowId: 'booking-bk-7',
      workflowType: 'bookingWorkflow',
      activityType: 'createHold',
      attempt: 1,
    });
  });

  it('names the setup of a payment-method setup workflow, and nothing for other workflows', () => {
    const setup = JSON.parse(
      formatLogEntry(entry({ workflowId: 'payment-method-setup-s-1', workflowType: 'paymentMethodSetupWorkflow' })),
    );
    expect(setup.setupId).toBe('s-1');
    const other = JSON.parse(
      formatLogEntry(entry({ workflowId: 'booking-like', workflowType: 'reconciliationWorkflow' })),
    );
    expect(other.bookingId).toBeUndefined();
  });

  it('keeps scalar fields only: errors by name and message, objects, payloads and task tokens dropped', () => {
    const line = JSON.parse(
      formatLogEntry(
        entry({
          error: new TypeError('boom'),
          input: { card: '4242424242424242' },
          count: 3n,
          ok: true,
          taskToken: 'CiQw',
        }),
      ),
    );
    expect(line).toMatchObject({ error: 'TypeError: boom', count: '3', ok: true });
    expect(line.input).toBeUndefined();
    expect(line.taskToken).toBeUndefined();
  });

  it('masks emails and Stripe secrets that slip into a message, in the worker and the API', () => {
    const leaky = 'Stripe said: no such customer ada@example.com with sk_test_abc123 (pi_1_secret_xyz, whsec_abc)';
    const workerLine = formatLogEntry(entry({}, leaky));
    const apiLines: string[] = [];
    createJsonLogger('api', (line) => apiLines.push(line)).warn(leaky, { detail: 'ada@example.com' });
    expect(findSensitiveData([workerLine, ...apiLines])).toEqual([]);
    expect(workerLine).toContain('[email]');
  });

  it('masks card numbers, also in an id that looks like one, and keeps UUIDs, timestamps, migration names and ids outside card ranges', () => {
    const apiLines: string[] = [];
    const logger = createJsonLogger('api', (line) => apiLines.push(line));
    logger.info('booking created', { bookingId: '4242424242424242', customerId: 'cust-4000 0566 5566 5556' });
    // A 19-digit id that passes the Luhn check, as one in ten numeric ids do, but is in no card network's range.
    logger.info('booking created', {
      bookingId: '1234567890123456785',
      detail: 'migrated 1732000000007_inbox-handled-events',
    });
    logger.info('kept', {
      bookingId: '1234567890123456781',
      requestId: '069eb83e-4146-4553-9893-0b853cb9b2a4',
      at: '2025-11-22T08:26:40.123Z',
    });
    // A request id whose last two groups are 16 digits passing the Luhn check stays whole.
    logger.info('kept', { requestId: '08aa5ac9-96f8-47cb-8362-623253182798' });
    const workerLine = formatLogEntry(
      entry({ bookingId: '4242424242424242' }, 'Stripe said 4000-0000-0000-0002 was declined'),
    );

    expect(findSensitiveData([...apiLines, workerLine])).toEqual([]);
    expect(apiLines[0]).toContain('"bookingId":"[card-number]"');
    expect(apiLines[0]).toContain('cust-[card-number]');
    expect(apiLines[1]).toContain('"bookingId":"1234567890123456785"');
    expect(apiLines[1]).toContain('1732000000007_inbox-handled-events');
    expect(apiLines[2]).toContain('1234567890123456781');
    expect(apiLines[2]).toContain('069eb83e-4146-4553-9893-0b853cb9b2a4');
    expect(apiLines[3]).toContain('08aa5ac9-96f8-47cb-8362-623253182798');
    expect(workerLine).toContain('Stripe said [card-number] was declined');
  });
});

describe('the sensitive data scan', () => {
  it('finds card numbers, emails and secrets, and passes timestamps and ids', () => {
    expect(findSensitiveData(['card 4242 4242 4242 4242 here'])).toHaveLength(1);
    expect(findSensitiveData(['card 4242-4242-4242-4242.'])).toHaveLength(1);
    expect(findSensitiveData(['{"detail":"4000000000000002"}'])).toHaveLength(1);
    expect(findSensitiveData(['mail ada@example.com'])).toHaveLength(1);
    expect(findSensitiveData(['key sk_live_51abc'])).toHaveLength(1);
    expect(findSensitiveData(['{"token":"t0k3n"}'], ['t0k3n'])).toHaveLength(1);
    expect(
      findSensitiveData([
        '{"time":"2025-11-22T08:26:40.123Z","bookingId":"it-0b6f0a9e-1f2d-4c3b-9a8e-2d1c0b9a8f7e","paymentIntentId":"pi_3Q9xYz","durationMs":1234}',
        // UUIDs whose digit groups happen to pass the Luhn check.
        '{"requestId":"069eb83e-4146-4553-9893-0b853cb9b2a4"}',
        '{"requestId":"12345678-4146-4553-9893-123456789012"}',
      ]),
    ).toEqual([]);
  });
});
