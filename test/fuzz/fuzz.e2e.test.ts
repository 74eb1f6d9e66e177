import WebSocket from 'ws';
import { ServiceProcess } from '../support/service-process.js';
import { TestClient } from '../support/test-client.js';
import { generator, type Expectation, type FuzzCase } from './fuzz-cases.js';

/*
 * Generated frames through a real server (`npm start`'s process, on the memory bus): random bytes,
 * invalid UTF-8, truncated and 10,000-deep JSON, huge strings, wrong types, __proto__ and
 * constructor keys, every field missing in turn, frames at the size limit and one byte over,
 * fragments. Every frame must be answered (an error frame, the sender's own broadcast, or the
 * documented close), the server must not crash, and other clients' broadcasts must all arrive.
 * FUZZ_FRAMES (10,000) and FUZZ_SEED choose the run; `npm run fuzz` is the long one.
 */

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const CONNECTIONS = 8;
const BYSTANDERS = 4;
const MAX_PAYLOAD = 65_536;
const ANSWER_TIMEOUT_MS = 10_000;

/** One fuzzing connection: sends a case, waits for its answer, reconnects after a close. */
class Fuzzer {
  private ws: WebSocket | undefined;
  private id = '';
  private waiting: ((answer: Expectation) => void) | undefined;

  constructor(private readonly url: string) {}

  async open(): Promise<WebSocket> {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer, isBinary) => {
      const frame = JSON.parse(data.toString()) as { type: string; clientId?: string; code?: string; from?: string; message?: string };
      if (isBinary) throw new Error('the server sent a binary frame');
      if (frame.type === 'welcome') this.id = frame.clientId!;
      else if (frame.type === 'error') this.answer({ error: frame.code });
      else if (frame.type === 'kafka' && frame.from === this.id) this.answer({ echo: frame.message! });
      else if (frame.type === 'kicked') throw new Error(`a fuzzer was kicked: ${data.toString()}`);
    });
    ws.once('close', (code) => this.answer({ close: code }));
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return ws;
  }

  /** Sends the case and resolves with what came back. */
  async run(c: FuzzCase): Promise<Expectation> {
    const ws = this.ws?.readyState === WebSocket.OPEN ? this.ws : await this.open();
    const answered = new Promise<Expectation>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer in ${ANSWER_TIMEOUT_MS} ms to ${describe(c)}`)), ANSWER_TIMEOUT_MS);
      this.waiting = (answer) => {
        clearTimeout(timer);
        resolve(answer);
      };
    });
    const parts = c.fragments ?? 1;
    const size = Math.ceil(c.data.length / parts);
    for (let i = 0; i < parts; i += 1) {
      ws.send(c.data.subarray(i * size, (i + 1) * size), { binary: c.binary ?? false, fin: i === parts - 1 });
    }
    return answered;
  }

  close(): void {
    this.ws?.terminate();
  }

  private answer(answer: Expectation): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(answer);
  }
}

const describe = (c: FuzzCase): string =>
  `${c.category} (${c.data.length} bytes${c.binary ? ', binary' : ''}${c.fragments ? `, ${c.fragments} fragments` : ''}): ${JSON.stringify(c.data.subarray(0, 120).toString())}`;

function matches(expected: Expectation, got: Expectation): boolean {
  if ('close' in expected) return 'close' in got && got.close === expected.close;
  if ('echo' in expected) return 'echo' in got && got.echo === expected.echo;
  return 'error' in got && (expected.error === undefined || got.error === expected.error);
}

let server: ServiceProcess;

beforeAll(async () => {
  server = await ServiceProcess.start('all-in-one', {
    KAFKA_BROKERS: '',
    KAFKA_BROKER: '',
    MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD),
    // The fuzz is aimed at parsing, not at the rate limit; and no fuzz frame may kick anyone.
    CLIENT_RATE_PER_S: '1000000',
    CLIENT_BURST: '1000000',
    CLIENT_PACE_PER_S: '1000000',
    ALLOW_CLIENT_KICK: 'false',
  });
});

afterAll(async () => {
  await server?.kill();
});

test(`${FRAMES} generated frames: every one answered, no crash, every bystander broadcast delivered`, async () => {
  // Bystanders broadcast throughout and must receive every one of each other's broadcasts.
  const bystanders = await Promise.all(Array.from({ length: BYSTANDERS }, () => TestClient.connect(server.wsUrl)));
  let broadcasts = 0;
  let fuzzing = true;
  const chatter = (async () => {
    while (fuzzing) {
      for (const b of bystanders) b.send({ type: 'broadcast', message: `bystander ${b.id} ${broadcasts}` });
      broadcasts += 1;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  const cases = generator(SEED, MAX_PAYLOAD);
  const fuzzers = Array.from({ length: CONNECTIONS }, () => new Fuzzer(server.wsUrl));
  const tally = new Map<string, { sent: number; closes: number }>();
  const failures: string[] = [];
  let done = 0;
  const started = performance.now();
  try {
    await Promise.all(
      fuzzers.map(async (fuzzer) => {
        while (done < FRAMES && failures.length < 10) {
          done += 1;
          const c = cases.next();
          const got = await fuzzer.run(c).catch((err: Error) => ({ failure: err.message }));
          const t = tally.get(c.category) ?? { sent: 0, closes: 0 };
          t.sent += 1;
          if ('close' in got) t.closes += 1;
          tally.set(c.category, t);
          if ('failure' in got) failures.push(got.failure);
          else if (!matches(c.expect, got)) failures.push(`${describe(c)}: expected ${JSON.stringify(c.expect).slice(0, 200)}, got ${JSON.stringify(got).slice(0, 200)}`);
        }
      }),
    );
  } finally {
    fuzzers.forEach((f) => f.close());
    fuzzing = false;
    await chatter;
  }
  const seconds = (performance.now() - started) / 1000;

  const expected = broadcasts * BYSTANDERS;
  const mine = (b: TestClient) => b.of('kafka').filter((f) => String(f.message).startsWith('bystander ')).length;
  await Promise.all(bystanders.map((b) => b.until(() => mine(b) >= expected, 20_000).catch(() => undefined)));
  const delivered = bystanders.map(mine);
  const health = await fetch(`${server.url}/health`);
  const errors = server.stderr.split('\n').filter((l) => l.includes('"level":"error"'));
  process.stderr.write(
    `fuzz: seed ${SEED}, ${done} frames in ${seconds.toFixed(1)} s over ${CONNECTIONS} connections, ${failures.length} unanswered or wrongly answered; ` +
      `by category (sent/closed): ${[...tally].map(([k, v]) => `${k} ${v.sent}/${v.closes}`).join(', ')}; ` +
      `bystanders received ${delivered.join(', ')} of ${expected} broadcasts each\n`,
  );
  await Promise.all(bystanders.map((b) => b.close()));

  expect(failures).toEqual([]);
  expect(done).toBeGreaterThanOrEqual(FRAMES);
  expect(delivered).toEqual(Array(BYSTANDERS).fill(expected));
  expect(health.status).toBe(200);
  expect(server.child.exitCode).toBeNull();
  expect(errors).toEqual([]);
  // It still stops cleanly.
  expect(await server.stop()).toEqual({ code: 0, signal: null });
}, 60_000 + FRAMES * 10);
