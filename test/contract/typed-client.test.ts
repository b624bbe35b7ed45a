/** The typed client is generated from the document the API serves, and the package exports it with the callback verifier. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_TYPES_PATH, generateClientTypes } from '../../dev/generate-client.js';

describe('the typed client', () => {
  it('has committed types equal to what the current /openapi.json generates (run `npm run generate:client`)', async () => {
    expect(readFileSync(CLIENT_TYPES_PATH, 'utf8')).toBe(await generateClientTypes());
  });

  it('is exported by the package with the notification signature verifier', async () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(manifest.exports['.']).toBe('./client/index.ts');
    const exported = await import(new URL(`../../${manifest.exports['.']}`, import.meta.url).href);
    expect(typeof exported.createBookingApiClient).toBe('function');
    expect(typeof exported.verifyCallback).toBe('function');
    expect(exported.CALLBACK_SIGNATURE_HEADER).toBe('Bookings-Signature');
  });
});
