import { describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerConfig } from '../../config/env.js';

const required = { STRIPE_SECRET_KEY: 'sk_test_config', DATABASE_URL: 'postgres://localhost/bookings' };

describe('reconciliation configuration of the worker', () => {
  it('reconciles every 15 minutes, looking back a day, when nothing is set', () => {
    const config = loadWorkerConfig(required);
    expect(config.RECONCILE_INTERVAL).toBe(15 * 60);
    expect(config.RECONCILE_LOOKBACK).toBe(24 * 3600);
  });

  it('reads durations in seconds, minutes, hours and days', () => {
    expect(loadWorkerConfig({ ...required, RECONCILE_INTERVAL: '90s' }).RECONCILE_INTERVAL).toBe(90);
    expect(loadWorkerConfig({ ...required, RECONCILE_INTERVAL: '1h' }).RECONCILE_INTERVAL).toBe(3600);
    expect(loadWorkerConfig({ ...required, RECONCILE_LOOKBACK: '3d' }).RECONCILE_LOOKBACK).toBe(3 * 86_400);
  });

  it('turns the Schedule off with RECONCILE_INTERVAL=off', () => {
    expect(loadWorkerConfig({ ...required, RECONCILE_INTERVAL: 'off' }).RECONCILE_INTERVAL).toBeNull();
  });

  it('refuses a duration without a unit, naming the variable', () => {
    expect(() => loadWorkerConfig({ ...required, RECONCILE_INTERVAL: '15' })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ ...required, RECONCILE_INTERVAL: '15' })).toThrow(
      /RECONCILE_INTERVAL: must be off or a duration/,
    );
  });

  it('refuses a lookback beyond the 30 days Stripe keeps events', () => {
    expect(() => loadWorkerConfig({ ...required, RECONCILE_LOOKBACK: '31d' })).toThrow(
      /RECONCILE_LOOKBACK: must be at most 30d/,
    );
    expect(() => loadWorkerConfig({ ...required, RECONCILE_LOOKBACK: 'off' })).toThrow(/RECONCILE_LOOKBACK/);
  });
});
