import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { FrameAuth, Logger } from '@cmf/shared';
import type { Admission, UpgradeRule } from './upgrade-policy.js';

export interface JwtOptions {
  /** HS256 shared secret (JWT_SECRET); or */
  secret?: string;
  /** a JSON Web Key Set of public keys (JWT_JWKS_URL). */
  jwksUrl?: string;
  audience?: string[];
  issuer?: string;
  /** Claim holding the roles; a dotted path reaches into objects (`realm_access.roles`). */
  rolesClaim: string;
}

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Errors that say the key set could not be had, not that the token is bad: the server's fault. */
const KEY_SET_UNAVAILABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/** The token of an upgrade: `?token=` (browsers cannot set headers on a WebSocket) or `Authorization: Bearer`. */
function tokenOf(req: IncomingMessage): string | undefined {
  const query = new URL(req.url ?? '/', 'http://gateway').searchParams.get('token');
  if (query) return query;
  return /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

function rolesOf(payload: JWTPayload, claim: string): string[] {
  let value: unknown = payload;
  for (const step of claim.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[step] : undefined;
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((role): role is string => typeof role === 'string') : [];
}

/**
 * Connection authentication: every upgrade must carry a JWT signed with JWT_SECRET (HS256) or a
 * key of JWT_JWKS_URL, with an `exp` in the future, and the configured `aud` and `iss`. Refusals
 * are 401 with the reason (never the token); a key set that cannot be fetched is 503. An admitted
 * connection carries the token's `sub` and roles into every ws-in record it causes.
 */
export function jwtAuthRule({ secret, jwksUrl, audience, issuer, rolesClaim }: JwtOptions, log: Logger): UpgradeRule {
  const key = secret ? new TextEncoder().encode(secret) : createRemoteJWKSet(new URL(jwksUrl!));
  const options = { algorithms: secret ? ['HS256'] : ASYMMETRIC, audience, issuer, requiredClaims: ['exp'] };
  return async (req): Promise<Admission> => {
    const token = tokenOf(req);
    if (!token) return { ok: false, status: 401, reason: 'No token: pass ?token=<JWT> or Authorization: Bearer <JWT>' };
    try {
      const { payload } = await jwtVerify(token, key, options);
      const auth: FrameAuth = { roles: rolesOf(payload, rolesClaim) };
      if (payload.sub !== undefined) auth.sub = payload.sub;
      return { ok: true, auth };
    } catch (err) {
      if (err instanceof errors.JOSEError && !KEY_SET_UNAVAILABLE.has(err.code)) {
        return { ok: false, status: 401, reason: `Invalid token: ${err.message}` };
      }
      log.warn('token keys unavailable', { jwksUrl, err });
      return { ok: false, status: 503, reason: 'Token keys unavailable: try again later' };
    }
  };
}
