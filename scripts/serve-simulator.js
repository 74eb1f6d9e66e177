#!/usr/bin/env node
// The client simulator as a service of its own (compose, Helm): serves the built page
// (client-simulator/dist/client-simulator.html, or the file given as the first argument) at /,
// pointed at SIMULATOR_GATEWAY_URL and SIMULATOR_ADMIN_URL through the page's `?url=` and
// `?admin=` parameters, with its security headers, plus /health and /ready for probes. Reads
// PORT and HOST like every CMF component.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { closeServer, listen, runService, simulatorPageHeaders } from '@cmf/shared';

const page = process.argv[2] ?? fileURLToPath(new URL('../client-simulator/dist/client-simulator.html', import.meta.url));

await runService('client-simulator', async (config, logger) => {
  const html = readFileSync(page, 'utf8');
  const headers = simulatorPageHeaders(html);
  // The page's query parameters this deployment sets, when the visitor did not.
  const defaults = Object.entries({ url: config.SIMULATOR_GATEWAY_URL, admin: config.SIMULATOR_ADMIN_URL }).filter(([, value]) => value);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (url.pathname === '/health' || url.pathname === '/ready') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'healthy' }));
    } else if (url.pathname !== '/' && url.pathname !== '/client-simulator.html') {
      res.writeHead(404, { 'content-type': 'text/plain', 'x-content-type-options': 'nosniff' }).end('Not found\n');
    } else if (defaults.some(([name]) => !url.searchParams.has(name))) {
      // A redirect, not a rewritten page: the page stays byte-identical to the build, whose
      // Content-Security-Policy pins its inline script by hash.
      for (const [name, value] of defaults) if (!url.searchParams.has(name)) url.searchParams.set(name, value);
      res.writeHead(302, { location: `${url.pathname}${url.search}`, 'referrer-policy': 'no-referrer' }).end();
    } else {
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : html);
    }
  });
  const port = await listen(server, config.PORT, config.HOST);
  logger.info('listening', { port, gateway: config.SIMULATOR_GATEWAY_URL ?? null, admin: config.SIMULATOR_ADMIN_URL ?? null });
  return { close: () => closeServer(server) };
});
