/** Free TCP ports for servers started by tests. */
import { createServer } from 'node:net';

/** A TCP port that was free on `host` a moment ago (the OS picks it; tiny race with other processes). */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not allocate a free port'))));
    });
  });
}

/**
 * A free TCP port between `min` and `max` (inclusive), tried at random: for servers that cannot
 * take the OS's ephemeral ports (Temporal stores membership ports in a smallint, at most 32767).
 */
export async function getFreePortBetween(min: number, max: number, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.unref();
      server.once('error', () => resolve(false));
      server.listen(port, host, () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port between ${min} and ${max}`);
}
