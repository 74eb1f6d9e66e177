import { createServer, type Server } from 'node:http';
import { sendNotFound, serveMetrics, serveProbes, type Metrics } from '@cmf/shared';
import type { Gateway } from './gateway.js';

/** The standalone gateway's HTTP server: probes, /metrics, and the WebSocket upgrade on any path. */
export function createGatewayServer(gateway: Gateway, metrics: Metrics): Server {
  const server = createServer((req, res) => {
    if (serveProbes(gateway.probes, req, res)) return;
    if (req.method === 'GET' && (req.url ?? '/').split('?')[0] === '/metrics') serveMetrics(metrics, res);
    else sendNotFound(res);
  });
  server.on('upgrade', (req, socket, head) => gateway.handleUpgrade(req, socket, head));
  return server;
}
