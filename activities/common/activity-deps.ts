/** The clients every booking and setup activity factory is built from. */
import type { Pool } from 'pg';
import type { PaymentGateway } from '../../stripe/payment-gateway.js';

/** Where and how notifications are delivered; no URL means they are recorded only. */
export interface CallbackSettings {
  url?: string;
  signingSecret?: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Clients the activities use. */
export interface ActivityDeps {
  gateway: PaymentGateway;
  db: Pool;
  callback: CallbackSettings;
}
