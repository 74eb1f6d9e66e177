#!/usr/bin/env node
// Builds the client simulator into one self-contained file, dist/client-simulator.html: the page
// template with its CSS and its esbuild bundle inlined, so the same file is served at / by the
// all-in-one server and by scripts/serve-simulator.js, and works opened straight from disk.
// The Content-Security-Policy allows exactly these inline blocks (by hash), WebSockets and the
// admin API's fetches, nothing else: even a markup injection could not run a script.
// Frames are checked with rules derived here from the shared ServerFrameSchema (page/frame-rules.ts),
// so zod itself stays out of the page. Needs @cmf/shared built (`tsc -b`); `npm run build` does both.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
export const pageFile = `${here}dist/client-simulator.html`;

/**
 * Inputs the bundle must never contain: of @cmf/shared the page gets the protocol's close codes
 * and types only, never the bus; zod is replaced by the derived frame rules.
 */
const forbiddenInput = /node_modules\/(kafkajs|prom-client|zod)\/|shared\/(dist|src)\/(?!protocol\/close-codes)/;

/** A TypeScript module of the page, bundled on its own and imported here (the build runs in Node). */
async function importPageModule(file) {
  const out = await build({ entryPoints: [`${here}page/${file}`], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent' });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}

/** The page's frame rules, from the shared schema's JSON Schema; throws when the page could not check it as strictly. */
export async function serverFrameRules() {
  const protocol = new URL('../shared/dist/protocol/index.js', import.meta.url);
  if (!existsSync(protocol)) throw new Error(`client-simulator build: ${fileURLToPath(protocol)} is missing; run \`tsc -b\` first (npm run build does)`);
  const [{ ServerFrameSchema }, { z }, { rulesFromJsonSchema }] = await Promise.all([import(protocol.href), import('zod'), importPageModule('frame-rules.ts')]);
  return rulesFromJsonSchema(z.toJSONSchema(ServerFrameSchema));
}

const sha256 = (text) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Fills `/*NAME*\/` in the template; a function replacer so `$&` in the bundle stays literal. */
const fill = (template, name, value) => {
  const marker = `/*${name}*/`;
  if (!template.includes(marker)) throw new Error(`client-simulator build: template has no ${marker}`);
  return template.replace(marker, () => value);
};

export async function buildPage(outFile = pageFile) {
  const rules = await serverFrameRules();
  const bundled = await build({
    entryPoints: [`${here}page/main.ts`],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome100', 'firefox100', 'safari15'],
    legalComments: 'none',
    metafile: true,
    // As a JSON text the page parses, so the rules stay readable (and checkable) in the built file.
    define: { __SERVER_FRAME_RULES__: JSON.stringify(JSON.stringify(rules)) },
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
    // Any gateway and admin API the user types in: both are fields of the page.
    'connect-src ws: wss: http: https:',
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
  return { file: outFile, bytes: Buffer.byteLength(html), scriptBytes: Buffer.byteLength(script), inputs };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, bytes, scriptBytes } = await buildPage();
  process.stdout.write(`client-simulator: ${file} (${(bytes / 1024).toFixed(1)} KiB, script ${(scriptBytes / 1024).toFixed(1)} KiB)\n`);
}
