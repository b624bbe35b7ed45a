import { describe, expect, it } from 'vitest';
import { ConfigError, loadApiConfig, loadWorkerConfig } from '../../config/env.js';
import { tracingConfigured } from '../../telemetry/tracing.js';

const WORKER_ENV = { DATABASE_URL: 'postgres://localhost/bookings', STRIPE_SECRET_KEY: 'sk_test_x' };
const API_ENV = { ...WORKER_ENV, API_TOKEN: 'api-token-123', STRIPE_WEBHOOK_SECRET: 'whsec_x' };

describe('observability configuration', () => {
  it('serves worker metrics on 0.0.0.0:9464 and health on 0.0.0.0:9465 unless told otherwise', () => {
    const config = loadWorkerConfig(WORKER_ENV);
    expect(config).toMatchObject({
      WORKER_METRICS_ADDRESS: '0.0.0.0:9464',
      WORKER_HEALTH_ADDRESS: '0.0.0.0:9465',
      WORKER_LOG_LEVEL: 'INFO',
    });
    expect(loadWorkerConfig({ ...WORKER_ENV, WORKER_METRICS_ADDRESS: '[::]:9100' }).WORKER_METRICS_ADDRESS).toBe(
      '[::]:9100',
    );
  });

  it('leaves the workflow cache size to the SDK unless WORKER_MAX_CACHED_WORKFLOWS says otherwise, and refuses a bad one', () => {
    expect(loadWorkerConfig(WORKER_ENV).WORKER_MAX_CACHED_WORKFLOWS).toBeUndefined();
    expect(loadWorkerConfig({ ...WORKER_ENV, WORKER_MAX_CACHED_WORKFLOWS: '500' }).WORKER_MAX_CACHED_WORKFLOWS).toBe(
      500,
    );
    expect(() => loadWorkerConfig({ ...WORKER_ENV, WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toThrow(
      /WORKER_MAX_CACHED_WORKFLOWS/,
    );
    expect(() => loadWorkerConfig({ ...WORKER_ENV, WORKER_MAX_CACHED_WORKFLOWS: 'lots' })).toThrow(
      /WORKER_MAX_CACHED_WORKFLOWS/,
    );
  });

  it('refuses a metrics address without a port and an exporter the SDK cannot build, naming the variable', () => {
    expect(() => loadWorkerConfig({ ...WORKER_ENV, WORKER_METRICS_ADDRESS: '9464' })).toThrow(
      /WORKER_METRICS_ADDRESS: must be host:port/,
    );
    expect(() => loadApiConfig({ ...API_ENV, OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(ConfigError);
    expect(() => loadApiConfig({ ...API_ENV, METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });

  it('traces only when an exporter or an OTLP endpoint is configured and the SDK is not disabled', () => {
    expect(tracingConfigured(loadApiConfig(API_ENV))).toBe(false);
    expect(tracingConfigured(loadApiConfig({ ...API_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(
      true,
    );
    expect(tracingConfigured(loadWorkerConfig({ ...WORKER_ENV, OTEL_TRACES_EXPORTER: 'console' }))).toBe(true);
    expect(
      tracingConfigured(
        loadApiConfig({
          ...API_ENV,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        }),
      ),
    ).toBe(false);
    expect(
      tracingConfigured(
        loadApiConfig({ ...API_ENV, OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }),
      ),
    ).toBe(false);
  });
});
