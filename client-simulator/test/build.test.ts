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
let bytes: number;

beforeAll(() => {
  dir = mkdtempSync(`${tmpdir()}/cmf-simulator-`);
  const file = `${dir}/client-simulator.html`;
  const script = `import(${JSON.stringify(build)}).then(async (m) => console.log(JSON.stringify(await m.buildPage(${JSON.stringify(file)}))))`;
  ({ inputs, bytes } = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { inputs: string[]; bytes: number });
  html = readFileSync(file, 'utf8');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the page is one self-contained file: no external scripts, styles or images', () => {
  expect(html).not.toMatch(/<script[^>]+src=/i);
  expect(html).not.toMatch(/<link[^>]+rel="?stylesheet/i);
  expect(html).not.toMatch(/\/\*(CSP|STYLES|SCRIPT)\*\//);
  expect(html.match(/<script>/g)).toHaveLength(1);
});

test('its Content-Security-Policy allows exactly its own inline script and style, WebSockets and the admin API', () => {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  const script = /<script>([\s\S]*)<\/script>/.exec(html)?.[1] ?? '';
  const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
  expect(csp.split('; ')).toEqual([
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(style)}`,
    'connect-src ws: wss: http: https:',
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ]);
});

test('the bundle holds no zod and nothing of the Node side; the page stays under 80 KiB', () => {
  expect(inputs.some((input) => /shared\/dist\/protocol\/close-codes\.js$/.test(input))).toBe(true);
  expect(inputs.filter((input) => /zod|kafkajs|prom-client|shared\/dist\/(?!protocol\/close-codes)/.test(input))).toEqual([]);
  // It was 208 KiB with zod; the frame rules that replace it are a few hundred bytes.
  expect(bytes).toBeLessThan(80 * 1024);
});

test('the frame rules in the page are the ones derived from the shared ServerFrameSchema', () => {
  const derived = `import(${JSON.stringify(build)}).then(async (m) => console.log(JSON.stringify(await m.serverFrameRules())))`;
  const rules = execFileSync(process.execPath, ['--input-type=module', '-e', derived], { encoding: 'utf8' }).trim();
  expect(JSON.parse(rules)).toHaveProperty('kafka.message', { kind: 'string', required: true });
  expect(html).toContain(rules);
});
