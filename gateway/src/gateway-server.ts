import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { serveMetrics, type Metrics } from '@cmf/shared';
import type { Gateway } from './gateway.js';

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Serves the gateway's /health and /ready; false when the request is for something else. */
export function handleGatewayProbe(gateway: Gateway, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (path === '/health') {
    void gateway.health().then((h) => json(res, 200, h));
    return true;
  }
  if (path === '/ready') {
    void gateway.isReady().then((ready) => json(res, ready ? 200 : 503, { ready }));
    return true;
  }
  return false;
}

/** The standalone gateway's HTTP server: probes, /metrics, and the WebSocket upgrade on any path. */
export function createGatewayServer(gateway: Gateway, metrics: Metrics): Server {
  const server = createServer((req, res) => {
    if (handleGatewayProbe(gateway, req, res)) return;
    if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/metrics') serveMetrics(metrics, res);
    else json(res, 404, { error: { code: 'not-found', message: 'Not found' } });
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  return server;
}
