/** Bearer tokens: a setting's token list (several while one is rotated) and the constant-time check every guarded endpoint shares. */
import { createHash, timingSafeEqual } from 'node:crypto';

// Hashing both sides gives equal-length buffers, so the comparison's timing reveals neither content nor length.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The tokens of a setting such as `API_TOKEN=current,next`: while a token is rotated, both are accepted. */
export function tokenList(setting: string): string[] {
  return setting
    .split(',')
    .map((token) => token.trim())
    .filter(Boolean);
}

/**
 * A check of presented tokens against the tokens of `setting`. Every token is compared, in constant time,
 * whichever matches, so the timing tells a caller nothing about which token or how much of it was right.
 */
export function tokenMatcher(setting: string): (given: string | undefined) => boolean {
  const expected = tokenList(setting).map(digest);
  return (given) => {
    const presented = digest(given ?? '');
    let matched = false;
    for (const token of expected) matched = timingSafeEqual(presented, token) || matched;
    return given !== undefined && given !== '' && matched;
  };
}

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}
