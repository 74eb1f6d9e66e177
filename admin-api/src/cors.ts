import type { RequestHandler } from 'express';

const METHODS = 'GET, POST';
const HEADERS = 'Authorization, Content-Type';
/** How long a browser may reuse a preflight answer, in seconds. */
const MAX_AGE_S = '600';

/**
 * CORS for browser pages served from another origin than the admin API (the chart's standalone
 * client simulator). Only the exact origins configured (ADMIN_CORS_ORIGINS) get CORS headers,
 * and their preflights are answered here, before any token check; with none configured this adds
 * nothing at all. No credentials: the API authenticates with a bearer token, never a cookie.
 */
export function cors(origins: readonly string[] = []): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    if (allowed.size === 0) {
      next();
      return;
    }
    // The answer depends on the caller's origin: caches must not hand one origin's to another.
    res.vary('Origin');
    const origin = req.get('origin');
    if (!origin || !allowed.has(origin)) {
      next();
      return;
    }
    res.set('Access-Control-Allow-Origin', origin);
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.set({ 'Access-Control-Allow-Methods': METHODS, 'Access-Control-Allow-Headers': HEADERS, 'Access-Control-Max-Age': MAX_AGE_S });
      res.status(204).end();
      return;
    }
    next();
  };
}
