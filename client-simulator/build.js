#!/usr/bin/env node
// Builds the client simulator into one self-contained file, dist/client-simulator.html: the page
// template with its CSS and its esbuild bundle (page code + the shared zod protocol) inlined, so
// the same file is served at / by the all-in-one server and works opened straight from disk.
// The Content-Security-Policy allows exactly these inline blocks (by hash) and WebSocket
// connections, nothing else: even a markup injection could not run a script.
// Needs @cmf/shared built (`tsc -b`); `npm run build` does both.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
export const pageFile = `${here}dist/client-simulator.html`;

/** Inputs the bundle must never contain: of @cmf/shared the page gets the protocol only, never the bus. */
const forbiddenInput = /node_modules\/(kafkajs|prom-client)\/|shared\/(dist|src)\/(?!protocol\/)/;

/**
 * esbuild cannot tree-shake zod's `z` namespace, which re-exports every locale (about 250 KiB of
 * the bundle). The page only needs English, which zod loads on its own; the others become empty.
 */
const zodWithoutLocales = {
  name: 'zod-without-locales',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /node_modules\/zod\//.test(args.importer) ? { path: 'zod-locales', namespace: 'empty' } : undefined,
    );
    esbuild.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

const sha256 = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Fills `/*NAME*\/` in the template; a function replacer so `$&` in the bundle stays literal. */
const fill = (template, name, value) => {
  const marker = `/*${name}*/`;
  if (!template.includes(marker)) throw new Error(`client-simulator build: template has no ${marker}`);
  return template.replace(marker, () => value);
};

export async function buildPage(outFile = pageFile) {
  const protocol = fileURLToPath(new URL('../shared/dist/protocol/index.js', import.meta.url));
  if (!existsSync(protocol)) throw new Error(`client-simulator build: ${protocol} is missing; run \`tsc -b\` first (npm run build does)`);
  const bundled = await build({
    entryPoints: [`${here}page/main.ts`],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    legalComments: 'none',
    metafile: true,
    plugins: [zodWithoutLocales],
    write: false,
    logLevel: 'silent',
  });
  const inputs = Object.keys(bundled.metafile.inputs);
  const bad = inputs.filter((input) => forbiddenInput.test(input));
  if (bad.length > 0) throw new Error(`client-simulator build: the page bundle must not include ${bad.join(', ')}`);
  const script = bundled.outputFiles[0].text;
  const styles = (await transform(readFileSync(`${here}page/styles.css`, 'utf8'), { loader: 'css', minify: true })).code;
  // Inlined code must not be able to end its own element.
  if (/<\/script/i.test(script) || /<\/style/i.test(styles)) throw new Error('client-simulator build: inline code contains a closing tag');
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(styles)}`,
    'connect-src ws: wss:',
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  let html = readFileSync(`${here}page/client-simulator.html`, 'utf8');
  html = fill(html, 'CSP', csp);
  html = fill(html, 'STYLES', styles);
  html = fill(html, 'SCRIPT', script);
  mkdirSync(dirname(outFile), { recursive: true });
  // Written aside and renamed, so a running server never serves half a page.
  const partial = `${outFile}.${process.pid}.tmp`;
  writeFileSync(partial, html);
  renameSync(partial, outFile);
  return { file: outFile, bytes: Buffer.byteLength(html), inputs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, bytes } = await buildPage();
  process.stdout.write(`client-simulator: ${file} (${Math.round(bytes / 1024)} KiB)\n`);
}
