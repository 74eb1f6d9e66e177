import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const build = fileURLToPath(new URL('../build.js', import.meta.url));
const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

let dir: string;
let html: string;
let inputs: string[];

beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/cmf-simulator-`);
  const file = `${dir}/client-simulator.html`;
  const script = `import(${JSON.stringify(build)}).then(async (m) => console.log(JSON.stringify(await m.buildPage(${JSON.stringify(file)}))))`;
  inputs = (JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { inputs: string[] }).inputs;
  html = readFileSync(file, 'utf8');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the page is one self-contained file: no external scripts, styles or images', () => {
  expect(html).not.toMatch(/<script[^>]+src=/i);
  expect(html).not.toMatch(/<link[^>]+rel="?stylesheet/i);
  expect(html).not.toMatch(/\/\*(CSP|STYLES|SCRIPT)\*\//);
  expect(html.match(/<script>/g)).toHaveLength(1);
});

test('its Content-Security-Policy allows exactly its own inline script and style, and WebSockets', () => {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
  const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
  expect(csp.split('; ')).toEqual([
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    'connect-src ws: wss:',
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ]);
});

test('the bundle holds the shared protocol schemas and none of the Node side (no kafkajs)', () => {
  expect(inputs.some((input) => /shared\/dist\/protocol\/server-frame\.js$/.test(input))).toBe(true);
  expect(inputs.filter((input) => /kafkajs|prom-client|shared\/dist\/(?!protocol\/)/.test(input))).toEqual([]);
});
