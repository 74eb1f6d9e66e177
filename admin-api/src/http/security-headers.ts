import type { RequestHandler } from 'express';
import helmet from 'helmet';

const headers = helmet({
  // Nothing here is a page: no script, style, frame or form may come from an admin response.
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  // The admin API does not own its host name; HSTS for the subdomains is the site's decision.
  strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  xFrameOptions: { action: 'deny' },
});

/** Helmet's headers on every response (CSP `default-src 'none'`, nosniff, no framing, no referrer), and no caching of admin data. */
export const securityHeaders: RequestHandler = (req, res, next) => {
  res.set('Cache-Control', 'no-store');
  headers(req, res, next);
};
