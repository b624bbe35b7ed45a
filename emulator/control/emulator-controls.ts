/** Everything the control API can reach inside an emulator instance. */
import type { FaultInjector } from '../faults.js';
import type { IdempotencyStore } from '../idempotency.js';
import type { RequestLog } from '../request-log.js';
import type { EmulatorRuntime } from '../runtime.js';
import type { WebhookDispatcher } from '../webhooks/webhook-dispatcher.js';

/** The emulator's internals exposed to tests through `/_emulator/…`. */
export interface EmulatorControls {
  runtime: EmulatorRuntime;
  faults: FaultInjector;
  idempotency: IdempotencyStore;
  requestLog: RequestLog;
  webhooks: WebhookDispatcher;
  /** Runs what Stripe does on its own as time passes (expiring authorizations, forgetting keys). */
  catchUp(): string[];
  /** Forgets all state, faults and clock offset. */
  reset(): void;
}
