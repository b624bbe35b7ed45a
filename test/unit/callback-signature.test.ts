import { describe, expect, it } from 'vitest';
import { signCallback, verifyCallback } from '../../notifications/callback-signature.js';

describe('notification callback signature', () => {
  const body = JSON.stringify({ id: 'b-1:hold.held:1', type: 'hold.held' });
  const now = 1_790_000_000;

  it('verifies a signature made with the same secret', () => {
    expect(verifyCallback(body, signCallback(body, 'secret-123', now), 'secret-123', now)).toBe(true);
  });

  it('rejects another secret, a changed body and a stale timestamp', () => {
    const header = signCallback(body, 'secret-123', now);
    expect(verifyCallback(body, header, 'secret-456', now)).toBe(false);
    expect(verifyCallback(`${body} `, header, 'secret-123', now)).toBe(false);
    expect(verifyCallback(body, header, 'secret-123', now + 301)).toBe(false);
    expect(verifyCallback(body, 'garbage', 'secret-123', now)).toBe(false);
  });
});
