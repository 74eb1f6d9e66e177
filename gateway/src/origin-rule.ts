import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Admission, UpgradeRule } from './upgrade-policy.js';

export interface OriginOptions {
  /** Normalized origins (ALLOWED_ORIGINS), `*` for any; undefined: the gateway's own origin, when it is localhost or an IP address. */
  allowed: readonly string[] | undefined;
  /** Refuse upgrades without an Origin header (REQUIRE_ORIGIN). */
  required: boolean;
}

/**
 * Whether the page came from this server: its origin names the host the request was sent to,
 * and that host is `localhost` or an IP address. A name of any other domain could be the
 * attacker's own, pointed at this server (DNS rebinding), so such names must be listed.
 */
function isOwnOrigin(origin: string, req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host || !URL.canParse(origin)) return false;
  const page = new URL(origin);
  // The Host header omits the scheme's default port as the origin does; parse it with the same scheme.
  if (!URL.canParse(`${page.protocol}//${host}`) || new URL(`${page.protocol}//${host}`).host !== page.host) return false;
  const name = page.hostname.replace(/^\[|\]$/g, '');
  return name === 'localhost' || isIP(name) !== 0;
}

/**
 * Browsers send the page's Origin with every WebSocket upgrade, and a page of any site may open a
 * socket to any server: this rule is what stops a page of another site from acting with its
 * visitor's network position and cookies (403). Non-browser clients send no Origin and pass
 * unless `required`.
 */
export function originRule({ allowed, required }: OriginOptions): UpgradeRule {
  const any = allowed?.includes('*') ?? false;
  const listed = new Set(allowed);
  return (req): Admission => {
    const origin = req.headers.origin;
    if (origin === undefined) return required ? { ok: false, status: 403, reason: 'An Origin header is required (REQUIRE_ORIGIN)' } : { ok: true };
    if (any || (allowed ? listed.has(origin.toLowerCase()) : isOwnOrigin(origin, req))) return { ok: true };
    return { ok: false, status: 403, reason: `Origin ${JSON.stringify(origin)} is not allowed (ALLOWED_ORIGINS)` };
  };
}
