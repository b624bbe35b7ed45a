/**
 * Where the floor's worker POSTs its milestones when the bench reuses a stack: the stack's own
 * callback URL belongs to it, so the bench listens on a port of its own, as the system under test's
 * callback server does for a started stack.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { milestoneOf, type MilestoneClock } from './milestones.js';

/** A listening milestone server. */
export interface MilestoneCallbackServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on a free local port; each `{ type, bookingId }` POSTed marks a milestone on `clock` as it arrives. */
export async function startMilestoneCallbackServer(clock: MilestoneClock): Promise<MilestoneCallbackServer> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      try {
        const notification = JSON.parse(body) as { type?: unknown; bookingId?: unknown };
        const milestone = typeof notification.type === 'string' ? milestoneOf(notification.type) : undefined;
        if (milestone && typeof notification.bookingId === 'string') clock.reach(notification.bookingId, milestone);
        response.writeHead(204).end();
      } catch {
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notifications`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
