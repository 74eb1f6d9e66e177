import type { ServerOptions } from 'node:http';
import type { Config } from './config.js';

/**
 * Options of every HTTP server that faces clients: a request's headers must arrive within
 * HTTP_HEADERS_TIMEOUT_MS, and the whole request within that plus HTTP_BODY_TIMEOUT_MS (a route
 * that reads a body answers 408 itself at its deadline; this is the backstop for the rest, and
 * Node answers it with a bare 408). Upgraded WebSocket connections leave Node's request
 * bookkeeping at the upgrade, so these bound only the upgrade request itself.
 */
export function httpServerOptions(config: Config): ServerOptions {
  const headersTimeout = config.HTTP_HEADERS_TIMEOUT_MS;
  return {
    headersTimeout,
    requestTimeout: headersTimeout + config.HTTP_BODY_TIMEOUT_MS + 1000,
    // Node checks the deadlines this often (default 30 s, which would let a slow client hold a socket that much longer).
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  };
}
