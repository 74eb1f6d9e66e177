import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { eventually } from './support/eventually.js';
import { FrameCounter } from './support/frame-counter.js';
import { ServiceProcess } from './support/service-process.js';

/** Resident memory of a process, from /proc. */
const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const MiB = 1024 * 1024;

/** Asks GET <url> every 50 ms until SIGTERM, then prints the slowest answer and how many there were. */
const HEALTH_PROBE = `
  let worstMs = 0, checks = 0, stop = false;
  process.on('SIGTERM', () => (stop = true));
  (async () => {
    while (!stop) {
      const t0 = performance.now();
      await (await fetch(process.argv[1])).json();
      worstMs = Math.max(worstMs, performance.now() - t0);
      checks += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
    process.stdout.write(JSON.stringify({ worstMs, checks }));
  })();
`;

const RECEIVERS = 100;
const SENDERS = 10;
const BROADCASTS = 100_000;

/**
 * The single-process default runs for days: what passes through it must not stay. 100,000
 * broadcasts of 1 KiB to 100 clients (10 million deliveries) through `npm start`'s server on the
 * memory bus; meanwhile /health keeps answering quickly, and afterwards its memory goes back down
 * to what it keeps for resumes.
 */
test('100,000 broadcasts of 1 KiB to 100 clients: /health keeps answering, never starved (under 500 ms); RSS ends within 150 MB of the start', async () => {
  const server = await ServiceProcess.start('all-in-one', {
    // The test floods on purpose: per-client limits would refuse it.
    CLIENT_RATE_PER_S: '1000000',
    CLIENT_BURST: '1000000',
    MAX_CONNECTS_PER_S: '100000',
    // What the memory bus keeps for resumes stays by design (64 MiB by default); kept small here,
    // what stays afterwards is what leaked.
    MEMORY_BUS_REPLAY_BYTES: String(MiB),
  });
  const receivers: FrameCounter[] = [];
  const senders: WebSocket[] = [];
  try {
    for (let i = 0; i < RECEIVERS; i += 1) receivers.push(await FrameCounter.open(server.port, '/?presence=none', `127.0.0.${2 + (i % 8)}`));
    for (let i = 0; i < SENDERS; i += 1) {
      const ws = new WebSocket(`${server.wsUrl}/?presence=none`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      senders.push(ws);
    }
    const frame = JSON.stringify({ type: 'broadcast', message: 'x'.repeat(1024) });
    const receivedAll = (n: number) => receivers.every((r) => r.frames >= n);
    // What a stall looked like, should one happen: how far behind, who was closed, whether the server still runs.
    const behind = (): string =>
      `the receivers to keep up (${sent} sent; slowest at ${Math.min(...receivers.map((r) => r.frames))} frames; ` +
      `closed ${JSON.stringify(receivers.filter((r) => r.closeCode !== undefined).map((r) => r.closeCode))}; server exit ${server.child.exitCode ?? server.child.signalCode ?? 'none'})`;
    let sent = 0;
    /**
     * Broadcasts in windows of WINDOW, each sent once the receivers hold the one before: a
     * flood faster than 100 sockets can read would only be cut off as slow consumers (4008).
     */
    const WINDOW = 500;
    const send = async (total: number): Promise<void> => {
      for (let done = 0; done < total; done += WINDOW) {
        await eventually(() => receivedAll(sent + 1), { timeoutMs: 30_000, intervalMs: 2, what: behind });
        for (let i = 0; i < WINDOW; i += 1) senders[i % SENDERS]!.send(frame);
        sent += WINDOW;
      }
    };
    // Warm up (JIT, buffers), then take the starting point.
    await send(1000);
    await eventually(() => receivedAll(1 + 1000), { timeoutMs: 30_000, what: 'the warm-up broadcasts' });
    const start = rssOf(server.child.pid!);

    // Timed from a process of its own: this one is busy reading 10 million frames.
    const probe = spawn(process.execPath, ['-e', HEALTH_PROBE, `${server.url}/health`], { stdio: ['ignore', 'pipe', 'inherit'] });
    const probed = new Promise<{ worstMs: number; checks: number }>((resolve) => {
      let out = '';
      probe.stdout.on('data', (c: Buffer) => (out += c.toString()));
      probe.once('exit', () => resolve(JSON.parse(out) as { worstMs: number; checks: number }));
    });
    await send(BROADCASTS);
    await eventually(() => receivedAll(1 + 1000 + BROADCASTS), {
      timeoutMs: 240_000,
      intervalMs: 200,
      what: () => `all deliveries (slowest receiver at ${Math.min(...receivers.map((r) => r.frames))})`,
    });
    probe.kill('SIGTERM');
    const { worstMs: worstHealthMs, checks: healthChecks } = await probed;
    let end = rssOf(server.child.pid!);
    await eventually(() => (end = rssOf(server.child.pid!)) - start < 150 * MiB, { timeoutMs: 30_000, intervalMs: 500, what: () => `RSS back within 150 MB (at +${Math.round((end - start) / MiB)} MB)` });
    process.stderr.write(
      `bounded memory: ${BROADCASTS} broadcasts x ${RECEIVERS} receivers; /health worst ${worstHealthMs.toFixed(1)} ms over ${healthChecks} checks; RSS start ${Math.round(start / MiB)} MB, after ${Math.round(end / MiB)} MB\n`,
    );
    // welcome, the warm-up, the 100,000: nothing lost, nothing twice, nobody cut off.
    expect(receivers.map((r) => r.frames).filter((n) => n !== 1 + 1000 + BROADCASTS)).toEqual([]);
    expect(receivers.filter((r) => r.closeCode !== undefined)).toEqual([]);
    expect(healthChecks).toBeGreaterThan(10);
    // Starved is what this catches (the defect was 21.7 s). How fast it answers is a benchmark
    // figure, not a unit test's: the worst of ~300 checks was 57-103 ms here, the machine's noise.
    expect(worstHealthMs).toBeLessThan(500);
    expect(end - start).toBeLessThan(150 * MiB);
  } finally {
    for (const r of receivers) r.close();
    for (const s of senders) s.terminate();
    await server.stop();
  }
}, 300_000);
