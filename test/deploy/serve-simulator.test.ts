import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../scripts/serve-simulator.js', import.meta.url));

/** The image's `client-simulator` command, as a real process on a page of our own. */
test('serve-simulator serves the page at /, points it at SIMULATOR_GATEWAY_URL, answers probes, and stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmf-sim-'));
  const page = join(dir, 'client-simulator.html');
  writeFileSync(page, '<!doctype html><title>simulator</title>');
  const child = spawn(process.execPath, [script, page], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SIMULATOR_GATEWAY_URL: 'wss://ws.example.com' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const line = stderr.split('\n').find((l) => l.includes('"msg":"listening"'));
        if (line) resolve((JSON.parse(line) as { port: number }).port);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const redirect = await fetch(`${base}/`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`/?url=${encodeURIComponent('wss://ws.example.com')}`);
    const served = await fetch(`${base}/?url=wss%3A%2F%2Fws.example.com`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await served.text()).toBe('<!doctype html><title>simulator</title>');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await fetch(`${base}/ready`)).status).toBe(200);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
