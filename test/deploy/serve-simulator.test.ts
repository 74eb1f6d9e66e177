import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/serve-simulator.js', import.meta.url));
const CSP = "default-src 'none'; script-src 'sha256-abc'";
const PAGE = `<!doctype html><meta http-equiv="Content-Security-Policy" content="${CSP}"><title>simulator</title>`;

/** Runs the image's `client-simulator` command on a page of our own; resolves with its base URL and a stop function. */
async function serve(env: Record<string, string>, page = PAGE): Promise<{ base: string; stop: () => Promise<number | null>; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'cmf-sim-'));
  const file = join(dir, 'client-simulator.html');
  writeFileSync(file, page);
  const child = spawn(process.execPath, [script, file], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let stderr = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const line = stderr.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
  }).catch((err: unknown) => {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  return {
    base: `http://127.0.0.1:${port}`,
    dir,
    stop: async () => {
      child.kill('SIGTERM');
      const code = await exited;
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

test('serve-simulator serves the page with its security headers, points it at SIMULATOR_GATEWAY_URL and SIMULATOR_ADMIN_URL, answers probes, and stops on SIGTERM', async () => {
  const { base, stop } = await serve({ SIMULATOR_GATEWAY_URL: 'wss://ws.example.com', SIMULATOR_ADMIN_URL: 'https://admin.example.com' });
  try {
    const redirect = await fetch(`${base}/`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`/?url=${encodeURIComponent('wss://ws.example.com')}&admin=${encodeURIComponent('https://admin.example.com')}`);
    // What the visitor chose is kept; only what is missing is added.
    const partial = await fetch(`${base}/?url=ws%3A%2F%2Fmine&x=1`, { redirect: 'manual' });
    expect(partial.headers.get('location')).toBe(`/?url=ws%3A%2F%2Fmine&x=1&admin=${encodeURIComponent('https://admin.example.com')}`);
    const served = await fetch(`${base}/?url=a&admin=b`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(served.headers.get('content-security-policy')).toBe(`${CSP}; frame-ancestors 'none'`);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await served.text()).toBe(PAGE);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
  } finally {
    expect(await stop()).toBe(0);
  }
});

test('without SIMULATOR_* settings the page is served as it is; a page without a Content-Security-Policy is refused at start', async () => {
  const { base, stop } = await serve({ SIMULATOR_GATEWAY_URL: '', SIMULATOR_ADMIN_URL: '' });
  try {
    const served = await fetch(`${base}/`, { redirect: 'manual' });
    expect(served.status).toBe(200);
    expect(served.headers.get('content-security-policy')).toBe(`${CSP}; frame-ancestors 'none'`);
  } finally {
    await stop();
  }
  await expect(serve({}, '<!doctype html><title>no policy</title>')).rejects.toThrow(/no Content-Security-Policy <meta> tag/);
});
