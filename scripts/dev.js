#!/usr/bin/env node
// `npm run dev`: the all-in-one server, restarted on every change. TypeScript compiles in watch
// mode; once a build is clean the server runs under `node --watch`, which restarts it when any
// module it loaded changes; the simulator page is rebuilt when its sources change. Logs are
// readable lines at a terminal (LOG_FORMAT=auto). Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { watch } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildPage } from '../client-simulator/build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const children = [];
const start = (args, options = {}) => {
  const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', ...options });
  children.push(child);
  return child;
};

let server;
const tsc = start([`${root}node_modules/typescript/bin/tsc`, '-b', '--watch', '--preserveWatchOutput'], { stdio: ['ignore', 'pipe', 'inherit'] });
tsc.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  // tsc prints "Found 0 errors" after every clean build; the server starts after the first one.
  if (!server && /Found 0 errors/.test(chunk.toString())) {
    buildPage().then(
      () => (server = start(['--watch', `${root}all-in-one/dist/main.js`])),
      (err) => process.stderr.write(`dev: simulator page not built: ${err.message}\n`),
    );
  }
});

let pending;
watch(`${root}client-simulator/page`, { recursive: true }, () => {
  clearTimeout(pending);
  pending = setTimeout(() => {
    buildPage().then(
      ({ bytes }) => process.stdout.write(`dev: simulator page rebuilt (${Math.round(bytes / 1024)} KiB); reload the browser\n`),
      (err) => process.stderr.write(`dev: simulator page not rebuilt: ${err.message}\n`),
    );
  }, 100);
});

const stop = () => {
  for (const child of children) child.kill('SIGTERM');
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
