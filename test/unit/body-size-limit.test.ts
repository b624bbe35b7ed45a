/**
 * MAX_BODY_BYTES over real HTTP (@hono/node-server, as the API is served): a body whose
 * Content-Length is over the limit answers 413 from the header alone, a chunked one is counted as it
 * comes, and a body within the limit reaches the route whole, read straight from the socket.
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodySizeLimit } from '../../api/http/body-size-limit.js';
import { errorResponse, toApiError } from '../../api/http/errors.js';
import type { AppEnv } from '../../api/http/router.js';

const LIMIT = 64;

function post(port: number, body: string, chunked: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) };
    const outgoing = request({ host: '127.0.0.1', port, path: '/v1/echo', method: 'POST', headers }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    outgoing.on('error', reject);
    if (chunked) for (let at = 0; at < body.length; at += 16) outgoing.write(body.slice(at, at + 16));
    outgoing.end(chunked ? undefined : body);
  });
}

describe('the request body limit', () => {
  let server: ReturnType<typeof serve>;
  let port = 0;
  beforeAll(async () => {
    const app = new Hono<AppEnv>();
    app.use('/v1/*', bodySizeLimit(LIMIT));
    app.post('/v1/echo', async (c) => c.text(`got ${(await c.req.text()).length}`));
    app.onError((error, c) => errorResponse(c, toApiError(error).apiError));
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('answers 413 payload_too_large for a Content-Length over the limit', async () => {
    const { status, text } = await post(port, 'x'.repeat(LIMIT + 1), false);
    expect(status).toBe(413);
    expect(JSON.parse(text).error.code).toBe('payload_too_large');
  });

  it('answers 413 payload_too_large for a chunked body that grows over the limit', async () => {
    const { status, text } = await post(port, 'x'.repeat(LIMIT * 2), true);
    expect(status).toBe(413);
    expect(JSON.parse(text).error.code).toBe('payload_too_large');
  });

  it('hands a body at the limit to the route whole, stated or chunked', async () => {
    expect(await post(port, 'x'.repeat(LIMIT), false)).toEqual({ status: 200, text: `got ${LIMIT}` });
    expect(await post(port, 'x'.repeat(LIMIT), true)).toEqual({ status: 200, text: `got ${LIMIT}` });
  });
});
