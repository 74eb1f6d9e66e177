import { TestClient } from '../../test/support/test-client.js';
import { sample } from '../../test/support/metrics-text.js';
import { closeAll, setup, track, type Harness } from './support/gateway-harness.js';

afterEach(closeAll);

const rateLimited = { type: 'error', code: 'rate-limited', message: 'Message not delivered: too many messages, slow down' };

/** Waits until every one of `count` frames sent ended relayed (in ws-in) or refused (an error at the client). */
async function settled(h: Harness, client: TestClient, count: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; h.frames().length + client.of('error').length < count && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(h.frames().length + client.of('error').length).toBe(count);
}

describe('per-connection rate limit', () => {
  test('a burst passes at CLIENT_RATE_PER_S, in order, up to CLIENT_BURST waiting; beyond, rate-limited and not relayed; others unaffected', async () => {
    const h = await setup({ CLIENT_RATE_PER_S: '100', CLIENT_BURST: '100', MAX_PAYLOAD_BYTES: '1024' });
    const [flooder, other] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(flooder!, other!);
    for (let i = 0; i < 150; i += 1) flooder!.send(`f${i}`);
    for (let i = 0; i < 20; i += 1) other!.send(`o${i}`);
    await settled(h, flooder!, 170);
    const relayed = h.frames().filter((d) => d.startsWith('f'));
    // A few go at once (50 ms at 100 a second), 100 wait their turn (and a few more, as the first
    // leave while the burst is still being read), the rest is refused.
    expect(relayed.length).toBeGreaterThanOrEqual(100);
    expect(relayed.length).toBeLessThanOrEqual(125);
    // In the order sent; the first 100 at least all pass (a later one may pass too, once tokens refill
    // while the burst is still being read on a busy machine).
    const numbers = relayed.map((d) => Number(d.slice(1)));
    expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    expect(numbers.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(flooder!.of('error')).toEqual(Array(150 - relayed.length).fill(rateLimited));
    // Spread out: 100 waiting frames at 100 a second take about a second.
    const at = h.inRecords().flatMap((r) => (r.kind === 'frame' && r.data.startsWith('f') ? [r.receivedAt] : []));
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual(900);
    expect(h.frames().filter((d) => d.startsWith('o'))).toHaveLength(20);
    expect(other!.of('error')).toEqual([]);
    const text = await h.metrics();
    expect(sample(text, 'cmf_gateway_frames_rate_limited_total')).toBe(150 - relayed.length);
    expect(sample(text, 'cmf_errors_total{component="gateway",code="rate-limited"}')).toBe(150 - relayed.length);
  });

  test('a frame costs one token per started KiB: the limit bounds bytes too', async () => {
    const h = await setup({ CLIENT_RATE_PER_S: '100', CLIENT_BURST: '100' });
    const a = await TestClient.connect(h.url);
    track(a);
    const kib = (n: number, tag: string): string => tag + 'x'.repeat(n * 1024 - tag.length);
    a.send(kib(60, 'a')); // 60 tokens: passes, and the next frames wait 0.6 s
    a.send(kib(41, 'b')); // waits: 41 of 100
    a.send(kib(60, 'c')); // 101 > 100: refused
    a.send('d'); // waits: 42
    await settled(h, a, 4);
    expect(h.frames().map((d) => d[0])).toEqual(['a', 'b', 'd']);
    expect(a.of('error')).toEqual([rateLimited]);
  });

  test('a client that keeps to CLIENT_RATE_PER_S is never refused nor held back', async () => {
    const h = await setup({ CLIENT_RATE_PER_S: '200', CLIENT_BURST: '5', MAX_PAYLOAD_BYTES: '1024' });
    const a = await TestClient.connect(h.url);
    track(a);
    for (let i = 0; i < 100; i += 1) {
      a.send(`m${i}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await h.wsIn.until(() => h.frames().length === 100);
    expect(a.of('error')).toEqual([]);
  });

  test('a client that stays over the limit for CLIENT_ABUSE_S is closed with 1008; one that backs off is not', async () => {
    const h = await setup({ CLIENT_RATE_PER_S: '10', CLIENT_BURST: '10', CLIENT_ABUSE_S: '1', MAX_PAYLOAD_BYTES: '1024' });
    const [abuser, polite] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(polite!);
    const started = Date.now();
    let open = true;
    void abuser!.closed.then(() => (open = false));
    // The polite client bursts over the limit once, then keeps under it for longer than CLIENT_ABUSE_S.
    for (let i = 0; i < 30; i += 1) polite!.send(`p${i}`);
    while (open && Date.now() - started < 5000) {
      for (let i = 0; i < 20; i += 1) abuser!.send('spam');
      polite!.send('calm');
      await new Promise((r) => setTimeout(r, 200));
    }
    const closed = await abuser!.closed;
    expect(closed).toEqual({ code: 1008, reason: 'Rate limit exceeded for too long' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(polite!.ws.readyState).toBe(polite!.ws.OPEN);
    expect(polite!.of('error').length).toBeGreaterThan(0);
    expect(await h.metrics()).toContain('cmf_gateway_closes_total{code="1008"} 1');
  });

  test('a client closing while its frames wait is seen closed at once', async () => {
    const h = await setup({ CLIENT_RATE_PER_S: '10', CLIENT_BURST: '100', MAX_PAYLOAD_BYTES: '1024' });
    const a = await TestClient.connect(h.url);
    for (let i = 0; i < 50; i += 1) a.send(`w${i}`);
    const started = Date.now();
    expect((await a.close()).code).toBe(1005);
    expect(Date.now() - started).toBeLessThan(1000);
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'disconnect'));
    // What waited is dropped with the connection.
    await new Promise((r) => setTimeout(r, 300));
    expect(h.frames().length).toBeLessThan(5);
  });
});
