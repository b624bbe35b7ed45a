/**
 * The remote codec endpoint Temporal's Web UI and CLI call to show decrypted payloads to ops:
 * `POST /codec/decode` and `POST /codec/encode`, bodies `{ "payloads": [{ "metadata": {…}, "data": "…" }] }`
 * with base64 bytes, as Temporal's remote codec protocol defines. With a token configured only
 * callers presenting it may use it: in the `Authorization: Bearer` header (the CLI's `--codec-auth`), or
 * as the last segment of the endpoint, `/codec/<token>/decode`, for a Web UI that cannot send headers
 * (the dev server's `--ui-codec-endpoint`). The browser UI is also checked by origin (CORS). The API
 * serves it only when a token is configured.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { z } from 'zod';
import { bearerTokenOf, tokenMatcher } from '../config/bearer-tokens.js';

/** What the codec endpoint needs. */
export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Token callers must present, as a bearer token or as the endpoint's last path segment; several, comma-separated, while one is rotated. */
  authToken: string;
  /** Browser origins allowed to call it (the Web UI's origin). */
  allowedOrigins: string[];
  /** Largest body accepted, in bytes (a history's payloads); 8 MiB by default. */
  maxBodyBytes?: number;
}

// Proto3 JSON as Temporal's tools send it: empty fields (no payloads, no data) may be left out or null.
const JsonPayloadSchema = z.object({
  metadata: z
    .record(z.string(), z.string())
    .nullish()
    .transform((metadata) => metadata ?? {}),
  data: z
    .string()
    .nullish()
    .transform((data) => data ?? ''),
});
const CodecBodySchema = z.object({
  payloads: z
    .array(JsonPayloadSchema)
    .max(10_000)
    .nullish()
    .transform((payloads) => payloads ?? []),
});

type JsonPayload = z.output<typeof JsonPayloadSchema>;

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data, 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [
        key,
        Buffer.from(value ?? new Uint8Array()).toString('base64'),
      ]),
    ),
    data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
  };
}

/** The token a request presents: its path's `:token` segment, else its bearer token. */
function presentedToken(c: Context): string | undefined {
  return c.req.param('token') ?? bearerTokenOf(c.req.header('Authorization'));
}

/** The codec endpoint as a Hono app, mounted at `/codec` by the API. */
export function createCodecServer({
  codec,
  authToken,
  allowedOrigins,
  maxBodyBytes = 8 * 1024 * 1024,
}: CodecServerOptions): Hono {
  const app = new Hono();
  const tokenMatches = tokenMatcher(authToken);
  app.use(
    '*',
    cors({
      origin: (origin) => (allowedOrigins.includes(origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
      credentials: true,
      maxAge: 600,
    }),
  );

  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) =>
        c.json(
          {
            error: {
              code: 'payload_too_large',
              message: `body exceeds ${maxBodyBytes} bytes`,
              requestId: crypto.randomUUID(),
            },
          },
          413,
          {
            Connection: 'close',
          },
        ),
    }),
  );

  const handle = (operation: 'encode' | 'decode') =>
    app.on('POST', [`/${operation}`, `/:token/${operation}`], async (c) => {
      const requestId = crypto.randomUUID();
      if (!tokenMatches(presentedToken(c))) {
        return c.json({ error: { code: 'unauthorized', message: 'a valid codec token is required', requestId } }, 401);
      }
      let body: z.output<typeof CodecBodySchema>;
      try {
        body = CodecBodySchema.parse(await c.req.json());
      } catch {
        return c.json(
          {
            error: {
              code: 'invalid_request',
              message: 'body must be {"payloads":[{"metadata":{…},"data":"base64"}]}',
              requestId,
            },
          },
          400,
        );
      }
      try {
        const payloads = await codec[operation](body.payloads.map(fromJson));
        return c.json({ payloads: payloads.map(toJson) });
      } catch (error) {
        return c.json({ error: { code: 'codec_failed', message: (error as Error).message, requestId } }, 422);
      }
    });
  handle('encode');
  handle('decode');
  return app;
}
