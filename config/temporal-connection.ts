/** Connection options for Temporal from configuration: local dev server, self-hosted mTLS or Temporal Cloud. */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { TemporalConfig } from './env.js';

/** Builds the address/TLS/API-key options shared by the client and the worker connection. */
export function temporalConnectionOptions(config: TemporalConfig): ConnectionOptions {
  const mtls =
    config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH
      ? {
          clientCertPair: {
            crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH),
            key: readFileSync(config.TEMPORAL_TLS_KEY_PATH),
          },
        }
      : undefined;
  return {
    address: config.TEMPORAL_ADDRESS,
    tls: mtls ?? (config.TEMPORAL_API_KEY ? true : undefined),
    apiKey: config.TEMPORAL_API_KEY,
  };
}
