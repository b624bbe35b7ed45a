/** The data converter API, worker and tools share: payloads sealed by the encryption codec when keys are configured. */
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import type { CodecConfig } from '../config/env.js';
import { createEncryptionCodec, parseCodecKeyring } from './payload-encryption-codec.js';

/** The payload codec from configuration, or undefined when no key is configured (payloads stay plain). */
export function payloadCodecFrom(config: CodecConfig): PayloadCodec | undefined {
  if (!config.PAYLOAD_CODEC_KEYS) return undefined;
  return createEncryptionCodec(parseCodecKeyring(config.PAYLOAD_CODEC_KEYS, config.PAYLOAD_CODEC_KEY_ID));
}

/** A data converter using the codec, for Client and Worker options. */
export function dataConverterFor(codec: PayloadCodec | undefined): DataConverter | undefined {
  return codec ? { payloadCodecs: [codec] } : undefined;
}
