/**
 * The worker's Temporal runtime, installed once per process before any connection: JSON log lines
 * (Core's messages forwarded to the same logger) and the SDK's Prometheus exporter, which also
 * serves the business counters the activities record through their metric meter.
 */
import { Runtime, type DefaultLogger } from '@temporalio/worker';

/** What the runtime is installed with. */
export interface WorkerRuntimeOptions {
  /** `host:port` of the Prometheus endpoint (`GET /metrics`). */
  metricsAddress: string;
  /** The JSON logger (`createJsonRuntimeLogger`); its level also sets how much Core forwards. */
  logger: DefaultLogger;
}

/** Installs the runtime; throws if one is already installed or the metrics address cannot be bound. */
export function installWorkerRuntime({ metricsAddress, logger }: WorkerRuntimeOptions): Runtime {
  const logLevel = logger.level;
  return Runtime.install({
    logger,
    telemetryOptions: {
      // Core's INFO lines are about its own machinery; below WARN they only help when debugging it.
      logging: { forward: {}, filter: { core: logLevel === 'INFO' ? 'WARN' : logLevel, other: 'ERROR' } },
      metrics: { prometheus: { bindAddress: metricsAddress } },
    },
  });
}
