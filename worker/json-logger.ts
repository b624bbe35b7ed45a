/**
 * The worker's structured logger: one JSON line per entry from the SDK (its own messages, those
 * forwarded from Core, and the workflow and activity context loggers), with the ids the SDK
 * attaches (`workflowId`, `runId`, `activityType`, trace ids when tracing) plus the `bookingId` or
 * `setupId` read from the workflow id. Only scalar fields are written: no payloads, no objects,
 * no task tokens.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { redactLogLine } from '../telemetry/log-redaction.js';
import { BOOKING_WORKFLOW_TYPE, bookingWorkflowId } from '../workflows/booking/contract.js';
import { PAYMENT_METHOD_SETUP_WORKFLOW_TYPE, paymentMethodSetupWorkflowId } from '../workflows/setup/contract.js';

/** Where JSON lines go: stdout for trace to info, stderr for warn and error, unless a test captures them. */
export type LogLineWriter = (line: string, level: LogLevel) => void;

const writeToStdio: LogLineWriter = (line, level) => {
  (level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout).write(`${line}\n`);
};

const BOOKING_ID_PREFIX = bookingWorkflowId('');
const SETUP_ID_PREFIX = paymentMethodSetupWorkflowId('');

/** The business key inside a workflow id, named for what it is. */
function businessKeyOf(fields: Record<string, unknown>): Record<string, string> {
  const { workflowId, workflowType } = fields;
  if (typeof workflowId !== 'string') return {};
  if (workflowType === BOOKING_WORKFLOW_TYPE && workflowId.startsWith(BOOKING_ID_PREFIX)) {
    return { bookingId: workflowId.slice(BOOKING_ID_PREFIX.length) };
  }
  if (workflowType === PAYMENT_METHOD_SETUP_WORKFLOW_TYPE && workflowId.startsWith(SETUP_ID_PREFIX)) {
    return { setupId: workflowId.slice(SETUP_ID_PREFIX.length) };
  }
  return {};
}

/** Metadata never written: an activity's task token completes it from outside, so it is a credential. */
const OMITTED_FIELDS = new Set(['taskToken']);

function scalarOf(value: unknown): string | number | boolean | null | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value instanceof Date) return value.toISOString();
  return undefined;
}

/** One log entry as a JSON line: time, level, service, message, then the scalar metadata. */
export function formatLogEntry(entry: LogEntry, service = 'worker'): string {
  const fields: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(entry.meta ?? {})) {
    if (OMITTED_FIELDS.has(key)) continue;
    const scalar = scalarOf(value);
    if (scalar !== undefined) fields[key] = scalar;
  }
  const line = JSON.stringify({
    time: new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString(),
    level: entry.level.toLowerCase(),
    service,
    message: entry.message,
    ...businessKeyOf(fields),
    ...fields,
  });
  return redactLogLine(line);
}

/** A Temporal logger (for `Runtime.install`) that writes JSON lines at `level` and above. */
export function createJsonRuntimeLogger(level: LogLevel, write: LogLineWriter = writeToStdio): DefaultLogger {
  return new DefaultLogger(level, (entry) => write(formatLogEntry(entry), entry.level));
}
