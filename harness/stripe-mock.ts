/** stripe-mock (Stripe's OpenAPI-driven mock) as a child process for contract tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { getFreePort } from './free-port.js';
import { toolPath } from './tool-paths.js';
import { waitForPort } from './wait-for.js';

/** A running stripe-mock and how to stop it. */
export interface StripeMock {
  url: string;
  stop(): Promise<void>;
}

/** Starts stripe-mock on a free loopback port with strict API-version checking. */
export async function startStripeMock(): Promise<StripeMock> {
  const port = await getFreePort();
  const child: ChildProcess = spawn(
    toolPath('STRIPE_MOCK_PATH'),
    // Without -https-addr it also binds HTTPS on every interface at :12112, so two runs collide.
    ['-http-addr', `127.0.0.1:${port}`, '-https-addr', '127.0.0.1:', '-strict-version-check'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  try {
    await waitForPort(port, '127.0.0.1', 30_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`stripe-mock did not start: ${(error as Error).message}\n${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
