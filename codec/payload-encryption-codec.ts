/**
 * The payload codec: encrypts every workflow payload (inputs, results, signals, queries, activity
 * arguments) with AES-256-GCM before it reaches the Temporal server, so history holds ciphertext.
 * Each payload names the key that sealed it; several keys can be known at once, so a key is
 * rotated by adding the new one as current and keeping the old ones until their histories age out.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
// A CommonJS package: Node's ESM loader exposes it as a default export only.
import proto from '@temporalio/proto';

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;

/** Encoding name of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that sealed a payload. */
export const ENCRYPTION_KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
/** Key ids end up in payload metadata: short and printable. */
export const CODEC_KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The codec's keys: every key it can open, and the one it seals with. */
export interface CodecKeyring {
  currentKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

/** A payload the codec cannot open, with the reason in words an operator can act on. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

/**
 * Parses `PAYLOAD_CODEC_KEYS` (`id:base64key,id:base64key`, each key 32 bytes) and the current key
 * id; throws a message naming what is wrong (never the key itself).
 */
export function parseCodecKeyring(keysSetting: string, currentKeyId: string | undefined): CodecKeyring {
  const keys = new Map<string, Buffer>();
  for (const entry of keysSetting
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    if (!CODEC_KEY_ID_PATTERN.test(id))
      throw new Error('each key must be written id:base64key with a short id (letters, digits, . _ -)');
    const key = Buffer.from(entry.slice(separator + 1), 'base64');
    if (key.length !== KEY_BYTES) throw new Error(`key ${id} must be ${KEY_BYTES} bytes, base64-encoded`);
    if (keys.has(id)) throw new Error(`key ${id} is given twice`);
    keys.set(id, key);
  }
  if (keys.size === 0) throw new Error('no key given');
  const current = currentKeyId ?? [...keys.keys()].at(-1)!;
  if (!keys.has(current)) throw new Error(`current key ${current} is not among the keys`);
  return { currentKeyId: current, keys };
}

/** A fresh random key, base64, for `PAYLOAD_CODEC_KEYS`. */
export function generateCodecKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** Builds the codec over a keyring. Payloads written without encryption pass through decoding untouched. */
export function createEncryptionCodec(keyring: CodecKeyring): PayloadCodec {
  const sealingKey = keyring.keys.get(keyring.currentKeyId)!;
  const keyIdBytes = Buffer.from(keyring.currentKeyId);
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', sealingKey, iv);
        // The key id is authenticated too: a payload cannot be relabelled to another key.
        cipher.setAAD(keyIdBytes);
        const plain = PayloadMessage.encode(payload).finish();
        const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: {
            [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
            [ENCRYPTION_KEY_ID_METADATA]: keyIdBytes,
          },
          data: sealed,
        };
      });
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      return payloads.map((payload) => {
        const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
        if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
        const keyIdRaw = payload.metadata?.[ENCRYPTION_KEY_ID_METADATA];
        const keyId = keyIdRaw ? Buffer.from(keyIdRaw).toString() : '';
        const key = keyring.keys.get(keyId);
        if (!key)
          throw new PayloadDecryptionError(`payload sealed with unknown key "${keyId}": add it to PAYLOAD_CODEC_KEYS`);
        const sealed = Buffer.from(payload.data ?? new Uint8Array());
        if (sealed.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError('encrypted payload is truncated');
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(keyId));
        decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
        let plain: Buffer;
        try {
          plain = Buffer.concat([
            decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
            decipher.final(),
          ]);
        } catch {
          throw new PayloadDecryptionError(`payload does not authenticate with key "${keyId}"`);
        }
        const decoded = PayloadMessage.decode(plain);
        return { metadata: decoded.metadata, data: decoded.data };
      });
    },
  };
}
