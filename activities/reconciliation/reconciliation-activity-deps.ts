/** The clients the reconciliation activities are built from. */
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { PaymentGateway } from '../../stripe/payment-gateway.js';

/** Clients the reconciliation activities use. */
export interface ReconciliationActivityDeps {
  gateway: Pick<PaymentGateway, 'listEvents' | 'retrievePaymentIntent'>;
  db: Pool;
  /** A client of the worker's namespace, for visibility, queries and describes. */
  temporal: Client;
  /** Injected for tests; defaults to the system clock. */
  now?: () => Date;
}

/** The clients with the clock resolved. */
export type ReconciliationClients = Required<ReconciliationActivityDeps>;
