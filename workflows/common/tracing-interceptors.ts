/**
 * Workflow interceptors bundled when tracing is on: a span for each workflow run, signal, update and
 * query, and for each activity it schedules, whose context travels to the activity in its headers.
 * Spans leave the sandbox through the `exporter` sink (see `worker/tracing-options.ts`); they add no
 * commands, so histories recorded without them replay the same.
 */
export { interceptors } from '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors.js';
