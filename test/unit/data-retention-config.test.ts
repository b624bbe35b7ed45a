/** DATA_RETENTION and TEMPORAL_NAMESPACE_RETENTION: defaults, and the floors below which a process refuses to start. */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadNamespaceRetention, loadWorkerConfig } from '../../config/env.js';

const required = { STRIPE_SECRET_KEY: 'sk_test_config', DATABASE_URL: 'postgres://localhost/bookings' };
const DAY = 86_400;

describe('data retention of the worker', () => {
  it('keeps settled inbox events and delivered notifications 35 days when nothing is set', () => {
    expect(loadWorkerConfig(required).DATA_RETENTION).toBe(35 * DAY);
  });

  it('accepts the default with the longest lookback allowed', () => {
    expect(loadWorkerConfig({ ...required, RECONCILE_LOOKBACK: '30d' }).DATA_RETENTION).toBe(35 * DAY);
  });

  it("refuses a retention shorter than Stripe's 3-day retries plus a day, naming the floor", () => {
    expect(loadWorkerConfig({ ...required, DATA_RETENTION: '4d' }).DATA_RETENTION).toBe(4 * DAY);
    expect(() => loadWorkerConfig({ ...required, DATA_RETENTION: '3d' })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ ...required, DATA_RETENTION: '95h' })).toThrow(
      /DATA_RETENTION: must be at least 4d with RECONCILE_LOOKBACK=1d/,
    );
  });

  it('refuses a retention shorter than the reconciliation lookback plus a day', () => {
    expect(() => loadWorkerConfig({ ...required, RECONCILE_LOOKBACK: '14d', DATA_RETENTION: '14d' })).toThrow(
      /DATA_RETENTION: must be at least 15d with RECONCILE_LOOKBACK=14d/,
    );
    expect(loadWorkerConfig({ ...required, RECONCILE_LOOKBACK: '14d', DATA_RETENTION: '15d' }).DATA_RETENTION).toBe(
      15 * DAY,
    );
  });

  it('refuses a retention that is not a duration', () => {
    expect(() => loadWorkerConfig({ ...required, DATA_RETENTION: '30' })).toThrow(/DATA_RETENTION: must be a duration/);
  });
});

describe('workflow retention of the namespace', () => {
  it('is 30 days when TEMPORAL_NAMESPACE_RETENTION is unset', () => {
    expect(loadNamespaceRetention({})).toBe(30 * DAY);
  });

  it('is read as a duration', () => {
    expect(loadNamespaceRetention({ TEMPORAL_NAMESPACE_RETENTION: '90d' })).toBe(90 * DAY);
  });

  it("refuses less than a week, too short to read a finished booking's story", () => {
    expect(loadNamespaceRetention({ TEMPORAL_NAMESPACE_RETENTION: '7d' })).toBe(7 * DAY);
    expect(() => loadNamespaceRetention({ TEMPORAL_NAMESPACE_RETENTION: '72h' })).toThrow(
      /TEMPORAL_NAMESPACE_RETENTION: must be at least 7d/,
    );
  });
});
