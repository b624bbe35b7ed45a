/** A local HTTP endpoint that records webhook deliveries (raw body and signature) for tests. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST received by the endpoint. */
export interface ReceivedWebhook {
  rawBody: string;
  signature: string | undefined;
  answeredStatus: number;
}

/** A running webhook endpoint. */
export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Decides the status answered to the next deliveries (200 by default). */
  answerWith(status: (delivery: { rawBody: string; index: number }) => number): void;
  /** Event ids in arrival order. */
  eventIds(): string[];
  close(): Promise<void>;
}

/** Starts an endpoint on a free port of 127.0.0.1. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let chooseStatus: (delivery: { rawBody: string; index: number }) => number = () => 200;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const answeredStatus = chooseStatus({ rawBody, index: received.length });
      received.push({ rawBody, signature: request.headers['stripe-signature'] as string | undefined, answeredStatus });
      response.writeHead(answeredStatus, { 'content-type': 'application/json' });
      response.end('{"received":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/webhooks/stripe`,
    received,
    answerWith(status) {
      chooseStatus = status;
    },
    eventIds: () => received.map((delivery) => (JSON.parse(delivery.rawBody) as { id: string }).id),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
