import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token said: whose it is, or why it is refused (the reason goes to the client, never the token). */
export type TokenCheck = { ok: true; clientId: string } | { ok: false; reason: string };

const VERSION = 'r1';
const CLIENT_ID = /^client-[a-z0-9]{1,16}-\d{1,15}$/;
const MAX_LENGTH = 256;

/**
 * Resume tokens: `r1.<client id>.<issued, base 36>.<HMAC-SHA256 of the rest>`, signed with the
 * cluster's RESUME_SECRET, so any gateway can check one and none can be made without the key. A
 * token names its client and nothing else: how long it may be used is the presence owner's call
 * (RESUME_WINDOW_MS after the client's connection ended). It is a bearer credential, like a
 * session cookie: the gateway never logs it. With authentication on, the signature also covers the
 * connection's subject (JWT `sub`), not written in the token: a stolen token does not let another
 * user, whatever their own valid JWT, take the session over.
 */
export class ResumeTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  /** A token for `clientId`, usable only by a connection of the same `subject` (undefined: anonymous). */
  issue(clientId: string, subject: string | undefined, now = Date.now()): string {
    const body = `${VERSION}.${clientId}.${now.toString(36)}`;
    return `${body}.${this.sign(body, subject)}`;
  }

  /** Checks a token presented by a connection authenticated as `subject` (undefined: anonymous). */
  verify(token: string, subject: string | undefined): TokenCheck {
    const parts = token.length <= MAX_LENGTH ? token.split('.') : [];
    const [version, clientId, issued, signature] = parts;
    if (parts.length !== 4 || version !== VERSION || !CLIENT_ID.test(clientId!) || !/^[0-9a-z]{1,12}$/.test(issued!)) {
      return { ok: false, reason: 'The resume token is malformed' };
    }
    const expected = Buffer.from(this.sign(`${version}.${clientId}.${issued}`, subject));
    const given = Buffer.from(signature!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, reason: 'The resume token was not signed by this server' };
    }
    return { ok: true, clientId: clientId! };
  }

  private sign(body: string, subject: string | undefined): string {
    // The subject after a NUL, which neither a client id nor the issue time contains.
    return createHmac('sha256', this.key).update(subject === undefined ? body : `${body}\0${subject}`).digest('base64url');
  }
}
