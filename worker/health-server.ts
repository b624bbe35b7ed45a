/**
 * The worker's health endpoint: `GET /healthz` answers 200 while the worker polls its task queue and
 * 503 before it starts, while it drains and after it stops or fails, for an orchestrator's probe.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from '@temporalio/worker';

/** A listening health server. */
export interface WorkerHealthServer {
  /** `http://host:port` it answers on. */
  url: string;
  close(): Promise<void>;
}

/** Splits `host:port` (IPv6 hosts in brackets). */
function parseAddress(address: string): { host: string; port: number } {
  const separator = address.lastIndexOf(':');
  return { host: address.slice(0, separator).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(separator + 1)) };
}

/** Starts answering `GET /healthz` on `address` (`host:port`) with the worker's state. */
export async function startWorkerHealthServer({
  address,
  worker,
}: {
  address: string;
  worker: Pick<Worker, 'getState'>;
}): Promise<WorkerHealthServer> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/healthz') {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not_found' }));
      return;
    }
    const state = worker.getState();
    const running = state === 'RUNNING';
    response
      .writeHead(running ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ status: running ? 'ok' : 'unavailable', worker: state }));
  });
  const { host, port } = parseAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const urlHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return {
    url: `http://${urlHost}:${bound.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
