/**
 * The API as its own process (`api/main.ts`, what `npm start` and compose run) on a running system's
 * Postgres, Temporal and Stripe emulator, with that system's API token, webhook secret and payload
 * keys unless told otherwise: started and awaited until it answers `/readyz`.
 */
import { fileURLToPath } from 'node:url';
import { startChild, type ManagedChild } from '../dev/child-process.js';
import { CODEC_AUTH_TOKEN, type SystemUnderTest } from './system-under-test.js';
import { waitFor } from './wait-for.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** What the API process needs from the system it joins. */
export type ApiSystem = Pick<
  SystemUnderTest,
  | 'temporal'
  | 'taskQueue'
  | 'databaseUrl'
  | 'stripeSecretKey'
  | 'emulatorUrl'
  | 'payloadCodecKeys'
  | 'apiToken'
  | 'webhookSecret'
>;

/** Where the API process listens and what it is told. */
export interface ApiProcessOptions {
  port: number;
  /** Variables that replace the system's (e.g. another API_TOKEN). */
  env?: NodeJS.ProcessEnv;
  /** Print its lines with an `[api]` prefix (default false). */
  echo?: boolean;
  /** Called with every line it writes (stdout and stderr). */
  onLine?: (line: string) => void;
}

/** A running API process and its base URL. */
export interface ApiProcess {
  child: ManagedChild;
  url: string;
}

/** Starts `api/main.ts` and waits until it is ready (Temporal and Postgres answer). */
export async function startApiProcess(
  system: ApiSystem,
  { port, env = {}, echo = false, onLine }: ApiProcessOptions,
): Promise<ApiProcess> {
  const url = `http://127.0.0.1:${port}`;
  const child = startChild({
    name: 'api',
    command: process.execPath,
    // `node --import tsx` (not the tsx wrapper) so the child's pid is the API's own process.
    args: ['--import', 'tsx', 'api/main.ts'],
    cwd: ROOT,
    echo,
    onLine,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: system.databaseUrl,
      TEMPORAL_ADDRESS: system.temporal.address,
      TEMPORAL_TASK_QUEUE: system.taskQueue,
      STRIPE_SECRET_KEY: system.stripeSecretKey,
      STRIPE_API_URL: system.emulatorUrl,
      STRIPE_WEBHOOK_SECRET: system.webhookSecret,
      API_TOKEN: system.apiToken,
      PAYLOAD_CODEC_KEYS: system.payloadCodecKeys,
      CODEC_AUTH_TOKEN,
      // As the in-process API of the system under test.
      HOLD_RELEASE_GRACE_SECONDS: '1',
      RELAY_INTERVAL_MS: '200',
      ...env,
    },
  });
  try {
    await waitFor(
      async () => {
        if (!child.isRunning()) throw new Error('the API exited');
        return (await fetch(`${url}/readyz`)).ok;
      },
      { timeoutMs: 60_000, intervalMs: 250, description: 'api/main.ts ready' },
    );
  } catch (error) {
    await child.stop();
    throw new Error(`api/main.ts did not start: ${String(error)}\n${child.recentOutput()}`);
  }
  return { child, url };
}
