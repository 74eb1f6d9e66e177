import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { createProbes, Metrics } from '@cmf/shared';
import { cors } from './cors.js';
import { openApiDocument } from './openapi.js';
import { problemCodeOf, sendProblem } from './problems.js';
import { routes, type AdminDeps } from './routes.js';

/** What the app needs; without `metrics` it keeps metrics of its own, without `probes` it answers as the admin API. */
export type AdminAppDeps = Omit<AdminDeps, 'metrics' | 'probes'> & Partial<Pick<AdminDeps, 'metrics' | 'probes'>>;

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Bearer-token check; hashing first makes the comparison constant-time whatever the lengths. */
function requireToken(token: string): RequestHandler {
  const expected = digest(`Bearer ${token}`);
  return (req, res, next) => {
    if (timingSafeEqual(digest(req.get('authorization') ?? ''), expected)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Bearer');
    sendProblem(res, 401, { code: 'unauthorized', message: 'Missing or invalid bearer token' });
  };
}

/** The admin API as an Express app; the all-in-one server mounts it beside the gateway. */
export function createAdminApp(input: AdminAppDeps): Express {
  const { bus, config, view } = input;
  const deps: AdminDeps = {
    ...input,
    metrics: input.metrics ?? new Metrics(),
    probes: input.probes ?? createProbes({ bus, config, component: 'admin-api', clients: () => view.size, serving: () => true }),
  };
  const { metrics } = deps;
  // The worker group's lag is a property of the group, not of a worker (and workers may scale
  // away): the admin API exports it, once.
  metrics.exportLag({
    group: config.WORKER_GROUP_ID,
    topic: config.topics.in,
    read: () => deps.bus.groupLag(config.WORKER_GROUP_ID, config.topics.in),
  });
  const app = express();
  app.disable('x-powered-by');
  app.use(cors(deps.config.ADMIN_CORS_ORIGINS));
  app.use((_req, res, next) => {
    res.once('finish', () => {
      const code = problemCodeOf(res);
      if (code) metrics.countError('admin-api', code);
    });
    next();
  });
  const auth = deps.config.ADMIN_TOKEN ? requireToken(deps.config.ADMIN_TOKEN) : undefined;
  // The body is read only after the token check: an anonymous caller learns nothing from it.
  const json = express.json({ limit: deps.config.MAX_PAYLOAD_BYTES });
  for (const route of routes) {
    const handlers: RequestHandler[] = auth && !route.public ? [auth, json] : [json];
    app[route.method](route.path, ...handlers, (req, res, next) => {
      route.handler(deps, req, res).catch(next);
    });
  }
  const document = openApiDocument();
  app.get('/openapi.json', ...(auth ? [auth] : []), (_req, res) => {
    res.json(document);
  });
  app.use((req, res) => {
    sendProblem(res, 404, { code: 'not-found', message: `No route for ${req.method} ${req.path}` });
  });
  const onError: ErrorRequestHandler = (err: { type?: string; status?: number; message?: string }, _req, res, _next) => {
    if (err.type === 'entity.parse.failed') {
      sendProblem(res, 400, { code: 'invalid-json', message: 'The request body is not valid JSON' });
    } else if (err.type === 'entity.too.large') {
      sendProblem(res, 413, { code: 'too-large', message: `The request body exceeds ${deps.config.MAX_PAYLOAD_BYTES} bytes` });
    } else if (err.status && err.status >= 400 && err.status < 500) {
      sendProblem(res, err.status, { code: 'bad-request', message: err.message ?? 'Bad request' });
    } else {
      deps.logger.error('admin request failed', { err });
      sendProblem(res, 500, { code: 'internal', message: 'Internal error' });
    }
  };
  app.use(onError);
  return app;
}
