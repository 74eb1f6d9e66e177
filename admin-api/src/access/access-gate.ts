import type { Request, RequestHandler } from 'express';
import type { Config } from '@cmf/shared';
import { unreachable } from '@cmf/shared';
import { Refusals } from '../http/framework-responses.js';
import { sendProblem } from '../http/problem.js';
import type { AccessMode } from './access-mode.js';
import { bearerCredentials, tokenMatcher } from './bearer-token.js';
import { FailureLimiter } from './failure-limiter.js';
import { addressKey, isLoopback, isLoopbackHost } from './peer-address.js';

const LOOPBACK_ONLY =
  'No ADMIN_TOKEN is set, so the admin API answers only loopback addresses. ' +
  'Set ADMIN_TOKEN (then send Authorization: Bearer <token>), or ADMIN_ALLOW_REMOTE=true to open it without a token';

/** Only wrong credentials count against an address: a request without any guesses nothing. */
function tokenGate(token: string, limiter: FailureLimiter): RequestHandler {
  const matches = tokenMatcher(token);
  return (req, res, next) => {
    const key = addressKey(req.socket.remoteAddress);
    const waitMs = limiter.retryAfterMs(key);
    if (waitMs > 0) {
      res.set('Retry-After', String(Math.ceil(waitMs / 1000)));
      sendProblem(res, Refusals.tooManyFailures.status, {
        code: Refusals.tooManyFailures.code,
        message: 'Too many wrong tokens from this address; try again after Retry-After seconds',
      });
      return;
    }
    const header = req.get('authorization');
    const presented = bearerCredentials(header);
    if (presented !== undefined && matches(presented)) {
      next();
      return;
    }
    if (header !== undefined) limiter.fail(key);
    res.set('WWW-Authenticate', 'Bearer');
    sendProblem(res, Refusals.unauthorized.status, { code: Refusals.unauthorized.code, message: 'Missing or invalid bearer token' });
  };
}

const LOOPBACK_HOST_ONLY =
  'No ADMIN_TOKEN is set, so the admin API answers only requests addressed to localhost, 127.0.0.1 or [::1]. ' +
  'Set ADMIN_TOKEN (then send Authorization: Bearer <token>), or ADMIN_ALLOW_REMOTE=true to open it without a token';

/**
 * Why a request is refused without a token: it comes from another host, or it is addressed to a
 * name other than this machine's (a browser lured by DNS rebinding sends the attacker's host name).
 */
function loopbackRefusal(req: Request): string | undefined {
  if (!isLoopback(req.socket.remoteAddress)) return LOOPBACK_ONLY;
  const { host } = req.headers;
  return host !== undefined && !isLoopbackHost(host) ? LOOPBACK_HOST_ONLY : undefined;
}

const loopbackGate: RequestHandler = (req, res, next) => {
  const message = loopbackRefusal(req);
  if (message === undefined) {
    next();
    return;
  }
  sendProblem(res, Refusals.loopbackOnly.status, { code: Refusals.loopbackOnly.code, message });
};

/** The check in front of every admin (non-public) route in this mode; undefined when there is none. */
export function accessGate(mode: AccessMode, config: Config): RequestHandler | undefined {
  switch (mode.kind) {
    case 'token':
      return tokenGate(mode.token, new FailureLimiter(config.ADMIN_AUTH_FAILURE_LIMIT, config.ADMIN_AUTH_FAILURE_WINDOW_MS));
    case 'loopback':
      return loopbackGate;
    case 'open':
      return undefined;
    default:
      return unreachable(mode);
  }
}
