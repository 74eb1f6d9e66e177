#!/usr/bin/env node
// The client simulator as a service of its own (compose, Helm): serves the built page
// (client-simulator/dist/client-simulator.html, or the file given as the first argument) at /,
// pointed at SIMULATOR_GATEWAY_URL through the page's `?url=` parameter, plus /health and /ready
// for probes. Reads PORT and HOST like every CMF component.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { closeServer, listen, runService } from '@cmf/shared';

const page = process.argv[2] ?? fileURLToPath(new URL('../client-simulator/dist/client-simulator.html', import.meta.url));

await runService('client-simulator', async (config, logger) => {
  const html = readFileSync(page);
  const gateway = config.SIMULATOR_GATEWAY_URL;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (url.pathname === '/health' || url.pathname === '/ready') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'healthy' }));
    } else if (url.pathname !== '/' && url.pathname !== '/client-simulator.html') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
    } else if (gateway && !url.searchParams.has('url')) {
      // A redirect, not a rewritten page: the page stays byte-identical to the build, whose
      // Content-Security-Policy pins its inline script by hash.
      res.writeHead(302, { location: `${url.pathname}?url=${encodeURIComponent(gateway)}` }).end();
    } else {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(html);
    }
  });
  const port = await listen(server, config.PORT, config.HOST);
  logger.info('listening', { port, gateway: gateway ?? null });
  return { close: () => closeServer(server) };
});
