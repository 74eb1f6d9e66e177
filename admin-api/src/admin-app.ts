import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { createProbes, Metrics } from '@cmf/shared';
import { accessGate } from './access/access-gate.js';
import { accessModeOf } from './access/access-mode.js';
import type { AdminDeps } from './deps.js';
import { answerOtherMethods } from './http/method-not-allowed.js';
import { mountRoute } from './http/mount-route.js';
import { problemCodeOf, sendProblem } from './http/problem.js';
import type { Route } from './http/route.js';
import { securityHeaders } from './http/security-headers.js';
import { openApiDocument, openApiRoute, type OpenApiDocument } from './openapi.js';
import { routes } from './routes/index.js';
import { cors } from './cors.js';

/** What the app needs; without `metrics` it keeps metrics of its own, without `probes` it answers as the admin API. */
export type AdminAppDeps = Omit<AdminDeps, 'metrics' | 'probes'> & Partial<Pick<AdminDeps, 'metrics' | 'probes'>>;

function withDefaults(input: AdminAppDeps): AdminDeps {
  const { bus, config, view } = input;
  return {
    ...input,
    metrics: input.metrics ?? new Metrics(),
    probes: input.probes ?? createProbes({ bus, config, component: 'admin-api', clients: () => view.size, serving: () => true }),
  };
}

/** Counts every problem answer by its code. */
function countProblems(deps: AdminDeps): RequestHandler {
  return (_req, res, next) => {
    res.once('finish', () => {
      const code = problemCodeOf(res);
      if (code) deps.metrics.countError('admin-api', code);
    });
    next();
  };
}

function internalError(deps: AdminDeps): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    deps.logger.error('admin request failed', { err });
    if (!res.headersSent) sendProblem(res, 500, { code: 'internal', message: 'Internal error' });
  };
}

/** The admin API as an Express app; the all-in-one server mounts it beside the gateway. */
export function createAdminApp(input: AdminAppDeps): Express {
  const deps = withDefaults(input);
  const { config } = deps;
  // The worker group's lag is a property of the group, not of a worker (and workers may scale
  // away): the admin API exports it, once.
  deps.metrics.exportLag({
    group: config.WORKER_GROUP_ID,
    topic: config.topics.in,
    read: () => deps.bus.groupLag(config.WORKER_GROUP_ID, config.topics.in),
  });
  const mode = accessModeOf(config);
  const all: Route[] = [...routes, openApiRoute(() => document)];
  const document: OpenApiDocument = openApiDocument(all, mode);

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders, countProblems(deps));
  // Before the routes: a preflight is answered here, not by the OPTIONS answer of answerOtherMethods.
  app.use(cors(deps.config.ADMIN_CORS_ORIGINS));
  const gate = accessGate(mode, config);
  for (const route of all) mountRoute(app, route, deps, gate);
  answerOtherMethods(app, all);
  app.use((req, res) => {
    sendProblem(res, 404, { code: 'not-found', message: `No route for ${req.method} ${req.path}` });
  });
  app.use(internalError(deps));
  return app;
}
