/**
 * OpenTelemetry tracing for the API and the worker: the Node SDK, configured by the standard `OTEL_*`
 * variables, with HTTP instrumentation (incoming API requests, the Stripe calls). Off unless an
 * exporter or an OTLP endpoint is configured. Temporal's interceptors carry the trace from the API's
 * client calls into the workflow and its activities (see `worker/tracing-options.ts`).
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { trace, ProxyTracerProvider } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { Resource } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BasicTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../config/env.js';

/** Probes and scrapes: answered often, never worth a trace. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
/** The codec endpoint: a Web UI may carry its token in the path (`/codec/<token>/decode`), which no span may record. */
const CODEC_PATH_PREFIX = '/codec/';

/** A running tracer: where spans go, and how to flush them at shutdown. */
export interface Tracing {
  /** The SDK's span processor; the worker feeds the workflow spans (made inside the sandbox) into it too. */
  spanProcessor: SpanProcessor;
  /** The process's resource (`service.name` and detected attributes), for the workflow spans. */
  resource: Resource;
  /** Exports pending spans and stops the SDK. */
  shutdown(): Promise<void>;
}

/** Options of {@link startTracing}. */
export interface StartTracingOptions {
  /** `service.name` when `OTEL_SERVICE_NAME` is unset. */
  serviceName: string;
  /** Span processors to use instead of the exporters the environment names (tests pass an in-memory one). */
  spanProcessors?: SpanProcessor[];
}

/** True when the environment asks for traces: an exporter other than `none`, or an OTLP endpoint, and the SDK not disabled. */
export function tracingConfigured(config: TracingConfig): boolean {
  if (config.OTEL_SDK_DISABLED === 'true') return false;
  const exporters = (config.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (exporters.length > 0) return exporters.some((name) => name !== 'none');
  return Boolean(config.OTEL_EXPORTER_OTLP_ENDPOINT || config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? '/').split('?')[0];
}

/**
 * Starts the OpenTelemetry Node SDK when tracing is configured (or `spanProcessors` are given) and
 * answers null when it is off. Call it at the top of a process, before any request is served or sent.
 */
export function startTracing(config: TracingConfig, options: StartTracingOptions): Tracing | null {
  if (!options.spanProcessors && !tracingConfigured(config)) return null;
  const sdk = new NodeSDK({
    // The SDK's own `serviceName` would override OTEL_SERVICE_NAME; give it only as the default.
    serviceName: config.OTEL_SERVICE_NAME ? undefined : options.serviceName,
    ...(options.spanProcessors && { spanProcessors: options.spanProcessors }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.has(pathOf(request)) || pathOf(request).startsWith(CODEC_PATH_PREFIX),
      }),
    ],
  });
  sdk.start();
  // Our modules import node:http as ESM, which require hooks never see: requiring it once now
  // patches the shared module object that HTTP servers and the Stripe client call through.
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');

  const registered = trace.getTracerProvider();
  const provider = registered instanceof ProxyTracerProvider ? registered.getDelegate() : registered;
  if (!(provider instanceof BasicTracerProvider)) {
    throw new Error('OpenTelemetry: the SDK registered no tracer provider; check OTEL_TRACES_EXPORTER');
  }
  return {
    spanProcessor: provider.getActiveSpanProcessor(),
    resource: provider.resource,
    shutdown: () => sdk.shutdown(),
  };
}
