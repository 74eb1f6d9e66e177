import { ResumeTokens } from '../src/resume-token.js';

const SECRET = 'a-test-secret-of-at-least-32-chars';

describe('ResumeTokens', () => {
  const tokens = new ResumeTokens(SECRET);

  test('a token issued for a client verifies as that client, on any gateway with the same secret', () => {
    const token = tokens.issue('client-abc123-7', undefined);
    expect(token).toMatch(/^r1\.client-abc123-7\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/);
    expect(new ResumeTokens(SECRET).verify(token, undefined)).toEqual({ ok: true, clientId: 'client-abc123-7' });
  });

  test("with authentication on, a token serves only a connection of the subject it was issued to", () => {
    const token = tokens.issue('client-abc123-7', 'alice');
    expect(tokens.verify(token, 'alice')).toEqual({ ok: true, clientId: 'client-abc123-7' });
    expect(tokens.verify(token, 'mallory')).toMatchObject({ ok: false, reason: expect.stringMatching(/not signed/) });
    expect(tokens.verify(token, undefined)).toMatchObject({ ok: false });
    expect(tokens.verify(tokens.issue('client-abc123-7', undefined), 'alice')).toMatchObject({ ok: false });
    expect(token).not.toContain('alice');
  });

  test('each token is fresh: issued again later, it differs', () => {
    expect(tokens.issue('client-abc123-7', undefined, 1000)).not.toBe(tokens.issue('client-abc123-7', undefined, 2000));
  });

  test.each([
    ['another secret', () => new ResumeTokens('another-secret-of-at-least-32-chars!').issue('client-abc123-7', undefined), /not signed by this server/],
    ['another client id under a valid signature', () => tokens.issue('client-abc123-8', undefined).replace('client-abc123-8', 'client-abc123-7'), /not signed/],
    ['another issue time under a valid signature', () => tokens.issue('client-abc123-7', undefined, 1000).replace('.rs.', '.rt.'), /not signed/],
    ['a truncated signature', () => tokens.issue('client-abc123-7', undefined).slice(0, -1), /not signed/],
    ['garbage', () => 'hello', /malformed/],
    ['an empty token', () => '', /malformed/],
    ['another version', () => tokens.issue('client-abc123-7', undefined).replace(/^r1/, 'r2'), /malformed/],
    ['an id that is not a client id', () => tokens.issue('admin', undefined), /malformed/],
    ['a huge token', () => `r1.client-a-1.1.${'x'.repeat(10_000)}`, /malformed/],
  ])('%s is refused, with a reason that does not repeat the token', (_name, make, reason) => {
    const token = make();
    const check = tokens.verify(token, undefined);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.reason).toMatch(reason);
    if (token.length > 0) expect(check.reason).not.toContain(token);
  });
});
