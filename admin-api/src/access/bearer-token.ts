import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The credentials of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 9110 §11.1). */
export function bearerCredentials(header: string | undefined): string | undefined {
  const value = (header ?? '').trim();
  const space = value.search(/[ \t]/);
  if (space < 0 || value.slice(0, space).toLowerCase() !== 'bearer') return undefined;
  return value.slice(space).trim();
}

/** Compares a presented token with the configured one; hashing first makes it constant-time whatever the lengths. */
export function tokenMatcher(token: string): (presented: string) => boolean {
  const expected = digest(token);
  return (presented) => timingSafeEqual(digest(presented), expected);
}
