import type { Express } from 'express';
import { sendProblem } from './problem.js';
import type { Route } from './route.js';

/** The methods a path answers, as an `Allow` header: HEAD comes with every GET. */
function allowHeader(routes: readonly Route[], path: string): string {
  const methods = routes.filter((r) => r.path === path).map((r) => r.method.toUpperCase());
  if (methods.includes('GET')) methods.push('HEAD');
  return [...methods, 'OPTIONS'].join(', ');
}

/**
 * After the routes: any other method on a known path is 405 with `Allow` (RFC 9110 §15.5.6),
 * not 404; OPTIONS answers 204 with the same `Allow`.
 */
export function answerOtherMethods(app: Express, routes: readonly Route[]): void {
  for (const path of new Set(routes.map((r) => r.path))) {
    const allow = allowHeader(routes, path);
    app.all(path, (req, res) => {
      res.set('Allow', allow);
      if (req.method === 'OPTIONS') {
        res.status(204).end();
        return;
      }
      sendProblem(res, 405, { code: 'method-not-allowed', message: `${req.method} is not allowed on ${req.path}; use ${allow}` });
    });
  }
}
