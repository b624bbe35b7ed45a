/** Builds the worker that runs booking workflows and their activities on one task queue. */
import { createRequire } from 'node:module';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createActivities, type CallbackSettings } from '../activities/create-activities.js';
import { createReconciliationActivities } from '../activities/reconciliation/create-reconciliation-activities.js';
import { creationRecordingIdentity } from '../inbox/creation-recording-workers.js';
import type { PaymentGateway } from '../stripe/payment-gateway.js';
import type { Tracing } from '../telemetry/tracing.js';
import { tracingWorkerOptions } from './tracing-options.js';

const require = createRequire(import.meta.url);

/** Path of the workflow bundle's entry, resolved so the worker finds it from any working directory. */
export const WORKFLOWS_PATH = require.resolve('../workflows/index.ts');

/** What a booking worker needs. */
export interface BookingWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  gateway: PaymentGateway;
  db: Pool;
  callback: CallbackSettings;
  /** Seals workflow payloads (the encryption codec); must match the API's. */
  dataConverter?: DataConverter;
  /** A client on the worker's namespace; without it the reconciliation activities are not registered. */
  temporal?: Client;
  /** Traces workflows and activities into this tracer (`startTracing`); no tracing when absent. */
  tracing?: Pick<Tracing, 'spanProcessor' | 'resource'>;
  /** Extra worker options (tests use a prebuilt bundle, shutdown grace, cache size). */
  options?: Partial<WorkerOptions>;
}

/** Creates the booking worker; `run()` it and `shutdown()` it to stop. */
export async function createBookingWorker(deps: BookingWorkerDeps): Promise<Worker> {
  const { options, ...rest } = deps;
  return Worker.create({
    connection: rest.connection,
    namespace: rest.namespace,
    taskQueue: rest.taskQueue,
    activities: {
      ...createActivities({ gateway: rest.gateway, db: rest.db, callback: rest.callback }),
      ...(rest.temporal &&
        createReconciliationActivities({ gateway: rest.gateway, db: rest.db, temporal: rest.temporal })),
    },
    ...(options?.workflowBundle ? {} : { workflowsPath: WORKFLOWS_PATH }),
    ...(rest.dataConverter && { dataConverter: rest.dataConverter }),
    shutdownGraceTime: '10s',
    // Tells the inbox relay this worker records its PaymentIntent creations.
    identity: creationRecordingIdentity(),
    ...(rest.tracing && tracingWorkerOptions(rest.tracing)),
    ...options,
  });
}
