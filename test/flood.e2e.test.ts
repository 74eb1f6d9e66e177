import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ServiceProcess } from './support/service-process.js';

/*
 * A noisy neighbour: one client floods broadcasts at 10,000 frames a second (100 times its rate
 * limit) while 100 others exchange direct messages; with the default limits, the others' p99
 * latency stays within twice its value without the flood. The server is `npm start` (memory bus)
 * as a process of its own, the flooder another, at the lowest CPU priority: on this machine its
 * CPU is the server's too, where a real flooder's is its own. The clients here look only at their
 * direct messages (they receive the broadcasts the limit lets through, but do not parse them).
 * Quiet and flooded phases alternate, so that whatever else the machine runs weighs on both alike.
 */

const root = fileURLToPath(new URL('../', import.meta.url));
const BYSTANDERS = 100;
const EVERY_MS = 200;
const PHASE_MS = 1500;
const ROUNDS = 4;
const FLOOD_PER_S = 10_000;
const NOISE_MS = 5;

interface Bystander {
  ws: WebSocket;
  id: string;
}

let server: ServiceProcess;
const clients: Bystander[] = [];

/** Connects and resolves with the client id from `welcome`. */
async function connect(): Promise<Bystander> {
  const ws = new WebSocket(server.wsUrl);
  const welcome = await new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
  return { ws, id: (JSON.parse(welcome) as { clientId: string }).clientId };
}

beforeAll(async () => {
  server = await ServiceProcess.start('all-in-one', { KAFKA_BROKERS: '', KAFKA_BROKER: '' });
  for (let i = 0; i < BYSTANDERS; i += 10) clients.push(...(await Promise.all(Array.from({ length: 10 }, connect))));
});

afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  await server?.stop();
});

interface FloodCounts {
  sent: number;
  rateLimited: number;
  ownBroadcasts: number;
  otherErrors: number;
  connections: number;
  closes: Record<string, number>;
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

test('a client flooding broadcasts leaves the p99 latency of 100 others within twice its value without the flood (plus 5 ms of scheduling noise)', async () => {
  const flooder: ChildProcessWithoutNullStreams = spawn('nice', ['-n', '19', process.execPath, `${root}test/support/flood-client.js`, server.wsUrl, String(FLOOD_PER_S)]);
  let report = '';
  flooder.stdout.on('data', (chunk: Buffer) => (report += chunk.toString()));
  flooder.stderr.resume();
  const exited = new Promise((resolve) => flooder.once('exit', resolve));

  // Every client sends a direct message to the next every EVERY_MS, on a timer of its own; each
  // message carries its send time and the phase it was sent in.
  let phase = 'quiet';
  const latencies: Record<string, number[]> = { quiet: [], flood: [] };
  let sent = 0;
  for (const c of clients) {
    c.ws.on('message', (data: Buffer) => {
      const text = data.toString();
      if (!text.startsWith('{"type":"direct"')) return;
      const [kind, at] = (JSON.parse(text) as { message: string }).message.split(' ');
      latencies[kind!]!.push(performance.now() - Number(at));
    });
  }
  const started = performance.now();
  const end = started + 2 * ROUNDS * PHASE_MS;
  const chatting = Promise.all(
    clients.map(async (c, i) => {
      await new Promise((r) => setTimeout(r, (i * EVERY_MS) / BYSTANDERS));
      while (performance.now() < end) {
        c.ws.send(JSON.stringify({ type: 'broadcast-one', targetId: clients[(i + 1) % BYSTANDERS]!.id, message: `${phase} ${performance.now()}` }));
        sent += 1;
        await new Promise((r) => setTimeout(r, EVERY_MS));
      }
    }),
  );
  for (let round = 0; round < ROUNDS; round += 1) {
    phase = 'quiet';
    flooder.stdin.write('rest\n');
    await new Promise((r) => setTimeout(r, PHASE_MS));
    phase = 'flood';
    flooder.stdin.write('flood\n');
    await new Promise((r) => setTimeout(r, PHASE_MS));
  }
  flooder.stdin.write('rest\n');
  await chatting;
  const received = () => latencies.quiet!.length + latencies.flood!.length;
  for (const deadline = performance.now() + 10_000; received() < sent && performance.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  flooder.stdin.write('stop\n');
  await exited;
  const seconds = (performance.now() - started) / 1000;
  const flood = JSON.parse(report) as FloodCounts;

  const { quiet, flood: flooded } = latencies as { quiet: number[]; flood: number[] };
  const p = (values: number[], q: number) => percentile(values, q).toFixed(1);
  process.stderr.write(
    `flood: ${BYSTANDERS} clients, ${quiet.length} + ${flooded.length} direct messages; p50/p99/max without flood ${p(quiet, 50)}/${p(quiet, 99)}/${p(quiet, 100)} ms, ` +
      `with flood ${p(flooded, 50)}/${p(flooded, 99)}/${p(flooded, 100)} ms; the flooder sent ${flood.sent} broadcasts over ${flood.connections} connection(s) ` +
      `(closed: ${JSON.stringify(flood.closes)}), ${flood.rateLimited} answered rate-limited, ${flood.ownBroadcasts} delivered\n`,
  );
  // Every direct message arrived.
  expect(received()).toBe(sent);
  // The flood was refused, not relayed: what got through is the rate, 100 a second (and the few let through at once per connection).
  expect(flood.otherErrors).toBe(0);
  expect(flood.rateLimited).toBeGreaterThan(10 * flood.ownBroadcasts);
  expect(flood.ownBroadcasts).toBeLessThanOrEqual(100 * seconds + 10 * flood.connections);
  // Twice the quiet p99, plus a few ms: at 3-6 ms the quiet p99 is the 2-core machine's scheduling
  // (100 clients, the server and the flooder share it), and one preempted turn moves it by as much.
  expect(percentile(flooded, 99)).toBeLessThanOrEqual(2 * percentile(quiet, 99) + NOISE_MS);
});
