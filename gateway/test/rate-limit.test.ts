import { TestClient } from '../../test/support/test-client.js';
import { sample } from '../../test/support/metrics-text.js';
import { closeAll, setup, track } from './support/gateway-harness.js';

afterEach(closeAll);

const rateLimited = { type: 'error', code: 'rate-limited', message: 'Message not delivered: too many messages, slow down' };

describe('per-connection rate limit', () => {
  test('a burst beyond CLIENT_BURST: the excess is answered rate-limited and not relayed; other clients are not limited', async () => {
    const h = await setup({ CLIENT_BURST: '100', CLIENT_RATE_PER_S: '1' });
    const [flooder, other] = await Promise.all([TestClient.connect(h.url), TestClient.connect(h.url)]);
    track(flooder!, other!);
    for (let i = 0; i < 150; i += 1) flooder!.send(`f${i}`);
    await flooder!.until((frames) => frames.filter((f) => f.type === 'error').length === 50);
    expect(flooder!.of('error')).toEqual(Array(50).fill(rateLimited));
    for (let i = 0; i < 100; i += 1) other!.send(`o${i}`);
    await h.wsIn.until(() => h.frames().length === 200);
    const relayed = h.frames();
    expect(relayed.filter((d) => d.startsWith('f'))).toEqual(Array.from({ length: 100 }, (_, i) => `f${i}`));
    expect(relayed.filter((d) => d.startsWith('o'))).toHaveLength(100);
    expect(other!.of('error')).toEqual([]);
    const text = await h.metrics();
    expect(sample(text, 'cmf_gateway_frames_rate_limited_total')).toBe(50);
    expect(sample(text, 'cmf_errors_total{component="gateway",code="rate-limited"}')).toBe(50);
  });

  test('a frame costs one token per started KiB: CLIENT_BURST bounds bytes too', async () => {
    const h = await setup({ CLIENT_BURST: '100', CLIENT_RATE_PER_S: '1' });
    const a = await TestClient.connect(h.url);
    track(a);
    const kib = (n: number, tag: string): string => tag + 'x'.repeat(n * 1024 - tag.length);
    a.send(kib(60, 'a')); // 60 tokens
    a.send(kib(41, 'b')); // 41: refused, 40 left
    a.send(kib(40, 'c')); // 40: accepted, 0 left
    a.send('d'); // 1: refused
    await a.until((frames) => frames.filter((f) => f.type === 'error').length === 2);
    await h.wsIn.until(() => h.frames().length === 2);
    expect(h.frames().map((d) => d[0])).toEqual(['a', 'c']);
  });

  test('a client that keeps to CLIENT_RATE_PER_S is never refused', async () => {
    const h = await setup({ CLIENT_BURST: '5', CLIENT_RATE_PER_S: '200', MAX_PAYLOAD_BYTES: '1024' });
    const a = await TestClient.connect(h.url);
    track(a);
    // 100 frames at ~100 per second: half the rate, with a burst of 5 to absorb timer jitter.
    for (let i = 0; i < 100; i += 1) {
      a.send(`m${i}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await h.wsIn.until(() => h.frames().length === 100);
    expect(a.of('error')).toEqual([]);
  });

  test('a client that stays over the limit for CLIENT_ABUSE_S is closed with 1008; one that backs off is not', async () => {
    const h = await setup({ CLIENT_BURST: '10', CLIENT_RATE_PER_S: '10', CLIENT_ABUSE_S: '1', MAX_PAYLOAD_BYTES: '1024' });
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
    expect(await h.metrics()).toContain('cmf_gateway_closes_total{code="1008"} 1');
  });
});
