import type { Express, RequestHandler, Response } from 'express';
import { unreachable } from '@cmf/shared';
import type { AdminDeps } from '../deps.js';
import { bodyErrors, readJson, requireJson, validateBody, validateQuery } from './request-body.js';
import type { Reply, ResponseMap, Route, Sent } from './route.js';

const SENT = {} as Sent;

/** The reply a handler gets: the status must be one the route declares (the types make sure; this is the last word). */
function replyFor(route: Route, res: Response): Reply<ResponseMap> {
  return (status, body, headers) => {
    const spec = route.responses[status];
    if (!spec) throw new Error(`${route.method.toUpperCase()} ${route.path} answered ${status}, which it does not declare`);
    if (headers) res.set(headers);
    res.status(status);
    if (spec.mediaType === 'text/plain') {
      if (!headers?.['content-type']) res.type('text/plain');
      res.send(body);
    } else {
      const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
      if (typeof code === 'string') res.locals.problemCode = code;
      res.json(body);
    }
    return SENT;
  };
}

/**
 * Mounts one route: the access gate (unless public), then for a POST the JSON content type, the
 * body read within its deadline and parsed by the route's schema, then the handler.
 */
export function mountRoute(app: Express, route: Route, deps: AdminDeps, gate: RequestHandler | undefined): void {
  const { config } = deps;
  const before: RequestHandler[] = gate && route.access === 'admin' ? [gate] : [];
  const run: RequestHandler = (req, res, next) => {
    const params = req.params as Record<string, string>;
    const ctx = { deps, params, body: res.locals.body as unknown, query: res.locals.query as unknown };
    (route.handle as (c: typeof ctx, r: Reply<ResponseMap>) => Promise<Sent>)(ctx, replyFor(route, res)).catch(next);
  };
  switch (route.method) {
    case 'get':
      app.get(route.path, ...before, ...(route.query ? [validateQuery(route.query)] : []), run);
      return;
    case 'post':
      app.post(
        route.path,
        ...before,
        requireJson,
        readJson(config.MAX_PAYLOAD_BYTES, config.HTTP_BODY_TIMEOUT_MS),
        bodyErrors(config.MAX_PAYLOAD_BYTES),
        validateBody(route.body),
        run,
      );
      return;
    default:
      unreachable(route);
  }
}
