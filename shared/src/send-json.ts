import type { ServerResponse } from 'node:http';

/** A JSON answer on a plain node:http server. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The 404 every component answers, in the admin API's error shape. */
export function sendNotFound(res: ServerResponse): void {
  sendJson(res, 404, { error: { code: 'not-found', message: 'Not found' } });
}
