import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createCodecServer } from '../../codec/codec-server.js';
import {
  ENCRYPTED_ENCODING,
  createEncryptionCodec,
  generateCodecKey,
  parseCodecKeyring,
} from '../../codec/payload-encryption-codec.js';

const oldKey = generateCodecKey();
const newKey = generateCodecKey();
const bookingInput = { bookingId: 'b-42', customer: { id: 'c-1', email: 'ada@example.com', name: 'Ada' } };

function encodingOf(payload: Payload): string {
  return Buffer.from(payload.metadata!.encoding).toString();
}

describe('payload encryption codec', () => {
  it('seals a payload so the plain JSON is nowhere in its bytes, and opens it back', async () => {
    const codec = createEncryptionCodec(parseCodecKeyring(`k1:${oldKey}`, 'k1'));
    const plain = defaultPayloadConverter.toPayload(bookingInput);
    const [sealed] = await codec.encode([plain]);
    expect(encodingOf(sealed)).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(sealed.data!).toString('latin1')).not.toContain('ada@example.com');
    const [opened] = await codec.decode([sealed]);
    expect(defaultPayloadConverter.fromPayload(opened)).toEqual(bookingInput);
  });

  it('opens payloads sealed with an older key after the key is rotated', async () => {
    const before = createEncryptionCodec(parseCodecKeyring(`k1:${oldKey}`, 'k1'));
    const after = createEncryptionCodec(parseCodecKeyring(`k1:${oldKey},k2:${newKey}`, 'k2'));
    const [sealedBefore] = await before.encode([defaultPayloadConverter.toPayload('held')]);
    const [sealedAfter] = await after.encode([defaultPayloadConverter.toPayload('released')]);
    expect(Buffer.from(sealedAfter.metadata!['encryption-key-id']).toString()).toBe('k2');
    const opened = await after.decode([sealedBefore, sealedAfter]);
    expect(opened.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual(['held', 'released']);
  });

  it('refuses a payload sealed with a key it does not know, naming the key', async () => {
    const sealer = createEncryptionCodec(parseCodecKeyring(`gone:${oldKey}`, 'gone'));
    const [sealed] = await sealer.encode([defaultPayloadConverter.toPayload('x')]);
    const reader = createEncryptionCodec(parseCodecKeyring(`k2:${newKey}`, 'k2'));
    await expect(reader.decode([sealed])).rejects.toThrow(/unknown key "gone"/);
  });

  it('refuses a tampered payload and a payload relabelled to another key', async () => {
    const codec = createEncryptionCodec(parseCodecKeyring(`k1:${oldKey},k2:${newKey}`, 'k1'));
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload('x')]);
    const flipped = Buffer.from(sealed.data!);
    flipped[flipped.length - 20] ^= 1;
    await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow(/does not authenticate/);
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': Buffer.from('k2') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/does not authenticate/);
  });

  it('passes payloads written before encryption was turned on through unchanged', async () => {
    const codec = createEncryptionCodec(parseCodecKeyring(`k1:${oldKey}`, 'k1'));
    const plain = defaultPayloadConverter.toPayload(bookingInput);
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it('rejects bad key settings without echoing the key', () => {
    expect(() => parseCodecKeyring('', undefined)).toThrow(/no key/);
    expect(() => parseCodecKeyring('k1:c2hvcnQ=', undefined)).toThrow(/32 bytes/);
    expect(() => parseCodecKeyring(`k1:${oldKey}`, 'k9')).toThrow(/current key k9/);
    expect(() => parseCodecKeyring(`k1:${oldKey},k1:${newKey}`, undefined)).toThrow(/twice/);
    try {
      parseCodecKeyring(`bad id:${oldKey}`, undefined);
    } catch (error) {
      expect((error as Error).message).not.toContain(oldKey);
    }
    expect(parseCodecKeyring(`k1:${oldKey},k2:${newKey}`, undefined).currentKeyId).toBe('k2');
  });
});

describe('codec endpoint', () => {
  const codec = createEncryptionCodec(parseCodecKeyring(`k1:${oldKey}`, 'k1'));
  const app = createCodecServer({ codec, authToken: 'ops-token', allowedOrigins: ['http://localhost:8233'] });
  const post = (path: string, body: unknown, headers: Record<string, string> = { Authorization: 'Bearer ops-token' }) =>
    app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const asJson = (payload: Payload) => ({
    metadata: Object.fromEntries(
      Object.entries(payload.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload.data!).toString('base64'),
  });

  it('decodes what the worker encoded, for a caller with the token', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(bookingInput)]);
    const response = await post('/decode', { payloads: [asJson(sealed)] });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { payloads: { data: string }[] };
    expect(JSON.parse(Buffer.from(body.payloads[0].data, 'base64').toString())).toEqual(bookingInput);
  });

  it('encodes, so the CLI can send encrypted signals', async () => {
    const response = await post('/encode', { payloads: [asJson(defaultPayloadConverter.toPayload('x'))] });
    const body = (await response.json()) as { payloads: { metadata: Record<string, string> }[] };
    expect(Buffer.from(body.payloads[0].metadata.encoding, 'base64').toString()).toBe(ENCRYPTED_ENCODING);
  });

  it('answers 401 without the token and 400 for a malformed body', async () => {
    expect((await post('/decode', { payloads: [] }, {})).status).toBe(401);
    expect((await post('/decode', { payloads: [] }, { Authorization: 'Bearer nope' })).status).toBe(401);
    // Proto3 JSON leaves empty fields out: an empty list of payloads is an empty object.
    expect(await (await post('/decode', {})).json()).toEqual({ payloads: [] });
    const malformed = await post('/decode', { payloads: 'nope' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });

  it("takes the token as the endpoint's last path segment, for a Web UI that sends no Authorization header", async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(bookingInput)]);
    const decoded = await post('/ops-token/decode', { payloads: [asJson(sealed)] }, {});
    expect(decoded.status).toBe(200);
    const body = (await decoded.json()) as { payloads: { data: string }[] };
    expect(JSON.parse(Buffer.from(body.payloads[0].data, 'base64').toString())).toEqual(bookingInput);
    expect((await post('/ops-token/encode', { payloads: [] }, {})).status).toBe(200);
    expect((await post('/wrong-token/decode', { payloads: [] }, {})).status).toBe(401);
  });

  it('lets the Web UI origin through CORS and no other', async () => {
    const preflight = (origin: string) =>
      app.request('/decode', {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'content-type,x-namespace',
        },
      });
    expect((await preflight('http://localhost:8233')).headers.get('access-control-allow-origin')).toBe(
      'http://localhost:8233',
    );
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
