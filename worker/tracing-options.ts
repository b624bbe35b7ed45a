/**
 * Worker options that carry a trace through workflows and activities with Temporal's OpenTelemetry
 * interceptors: the workflow interceptor module (bundled with the workflows), the activity
 * interceptors (a span per activity attempt, active while it calls Stripe) and the sink that hands
 * the sandbox's workflow spans to the process's span processor.
 */
import { createRequire } from 'node:module';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { Tracing } from '../telemetry/tracing.js';

const require = createRequire(import.meta.url);

/** Path of the workflow interceptor module that tracing adds to the bundle. */
export const TRACING_INTERCEPTORS_PATH = require.resolve('../workflows/common/tracing-interceptors.ts');

/** Interceptors and sinks that trace a worker's workflows and activities into `tracing`. */
export function tracingWorkerOptions(
  tracing: Pick<Tracing, 'spanProcessor' | 'resource'>,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      workflowModules: [TRACING_INTERCEPTORS_PATH],
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
