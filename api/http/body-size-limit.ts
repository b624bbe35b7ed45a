/**
 * MAX_BODY_BYTES for every `/v1` request, answered `413 payload_too_large` through the app's error
 * handler. A request that states its length (`Content-Length`, no `Transfer-Encoding`) is judged by
 * that header alone, as hono's `bodyLimit` judges it, but without reading `c.req.raw.body`: on
 * @hono/node-server that getter builds a whole WHATWG Request with a stream around the socket, which
 * cost the webhook receiver about a fifth of a millisecond of CPU per event; the route still reads
 * its body straight from the socket. Any other request (chunked, or with no length at all) goes to
 * `bodyLimit`, which counts the bytes as they come.
 */
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './errors.js';

/** Rejects bodies over `maxSize` bytes with ApiError `payload_too_large`. */
export function bodySizeLimit(maxSize: number): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new ApiError('payload_too_large', `Request body exceeds ${maxSize} bytes`);
  };
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const contentLength = c.req.header('content-length');
    // Node's parser reads exactly this many bytes, so the header is the body's size.
    if (contentLength !== undefined && /^\d+$/.test(contentLength) && c.req.header('transfer-encoding') === undefined)
      return Number(contentLength) > maxSize ? tooLarge() : next();
    return streamed(c, next);
  };
}
