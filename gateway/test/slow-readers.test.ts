import { encodeCommand } from '@cmf/shared';
import { TestClient } from '../../test/support/test-client.js';
import { RawWsClient } from '../../test/support/raw-ws-client.js';
import { metricsUntil, sample } from '../../test/support/metrics-text.js';
import { closeAll, setup, track, type Harness } from './support/gateway-harness.js';

afterEach(closeAll);

let sequence = 0;

/** A rendered broadcast frame of about `bytes` bytes. */
function frame(bytes: number): string {
  sequence += 1;
  const head = JSON.stringify({ type: 'kafka', from: 'server', message: '', timestamp: 1, id: `s${sequence}` });
  return head.replace('"message":""', `"message":"${'x'.repeat(Math.max(0, bytes - head.length))}"`);
}

/**
 * Delivers `count` frames of `bytes` to everyone, one ws-out batch each, letting the event loop
 * turn between batches as batches read from Kafka do.
 */
async function deliver(h: Harness, count: number, bytes: number): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const text = frame(bytes);
    await h.command({ kind: 'deliver', id: `d${sequence}`, target: { type: 'all' }, frame: text });
    await new Promise((r) => setImmediate(r));
  }
}

/** The 4008 closes, once the batches published so far have been executed (delivery is asynchronous). */
const slowClosed = async (h: Harness): Promise<number | undefined> => {
  const series = 'cmf_gateway_closes_total{code="4008"}';
  return sample(await metricsUntil(() => h.metrics(), (t) => sample(t, series) !== undefined, 2000).catch(() => h.metrics()), series);
};

describe('slow readers', () => {
  test('a client that stops reading is cut off once it has not read MAX_BUFFERED_BYTES, wherever the bytes wait; its backlog coming in one read, it sees 4008', async () => {
    const limit = 64 * 1024;
    const h = await setup({ MAX_BUFFERED_BYTES: String(limit) });
    const frozen = await RawWsClient.connect(h.port);
    const healthy = await TestClient.connect(h.url);
    track(healthy, { close: async () => frozen.destroy() });
    await h.wsIn.until(() => h.inRecords().filter((r) => r.kind === 'connect').length === 2);

    await deliver(h, 200, 8 * 1024);
    // Cut off on the gateway's side at once: the socket is gone though the client has read nothing.
    expect(await slowClosed(h)).toBe(1);
    expect(h.gateway.clientCount).toBe(1);
    const log = h.logs.find((l) => l.msg === 'closing a socket' && l.code === 4008);
    expect(log).toMatchObject({ reason: 'Slow consumer', unread: expect.any(Number) });
    expect(log!.unread as number).toBeGreaterThan(limit);
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'disconnect' && r.code === 4008));
    // The healthy client got everything.
    await healthy.until((frames) => frames.filter((f) => f.type === 'kafka').length === 200);

    frozen.readAll();
    await frozen.until(() => frozen.closeCode !== undefined);
    expect(frozen.closeCode).toBe(4008);
    // What the frozen client could hold against the gateway: the limit, one more batch, framing and pings.
    process.stderr.write(`slow reader: a client that stopped reading held ${frozen.bytesRead} bytes (MAX_BUFFERED_BYTES ${limit}) before its 4008\n`);
    expect(frozen.bytesRead).toBeLessThanOrEqual(limit + 8 * 1024 + 1024);
  });

  test('a client that reads slowly but keeps up stays; one that falls behind is cut off', async () => {
    const limit = 256 * 1024;
    const h = await setup({ MAX_BUFFERED_BYTES: String(limit) });
    const keepsUp = await RawWsClient.connect(h.port);
    const fallsBehind = await RawWsClient.connect(h.port);
    track({ close: async () => keepsUp.destroy() }, { close: async () => fallsBehind.destroy() });
    keepsUp.readAt(800 * 1024);
    fallsBehind.readAt(100 * 1024);
    // 2 s at about 400 KiB/s: 100 frames of 8 KiB every 20 ms.
    for (let i = 0; i < 100; i += 1) {
      await deliver(h, 1, 8 * 1024);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await slowClosed(h)).toBe(1);
    const cut = h.logs.find((l) => l.code === 4008)!;
    expect(cut.unread as number).toBeGreaterThan(limit);
    fallsBehind.readAll();
    await fallsBehind.until(() => fallsBehind.closeCode !== undefined);
    // Still answering pings as it reads, it usually meets the reset its pongs cause before the close frame.
    expect([4008, 1006]).toContain(fallsBehind.closeCode);
    process.stderr.write(
      `slow reader: one reading 100 KiB/s of 400 KiB/s cut off with ${cut.unread} bytes unread (${cut.queued} of them in the process), after reading ${fallsBehind.bytesRead}; it saw ${fallsBehind.closeCode}\n`,
    );
    await keepsUp.until(() => keepsUp.texts.length === 101); // welcome and the 100 frames
    expect(keepsUp.closeCode).toBeUndefined();
    expect(h.gateway.clientCount).toBe(1);
  });

  test('a backlog the kernel cannot take is dropped with the socket: the close frame cannot get through, the client sees 1006', async () => {
    const limit = 64 * 1024;
    const h = await setup({ MAX_BUFFERED_BYTES: String(limit) });
    const frozen = await RawWsClient.connect(h.port);
    track({ close: async () => frozen.destroy() });
    // One batch far larger than the kernel's buffers: most of it waits in the process.
    const big = frame(60 * 1024);
    const records = Array.from({ length: 500 }, (_, i) => ({ kind: 'deliver' as const, id: `big${i}`, target: { type: 'all' as const }, frame: big }));
    await h.bus.publish(h.config.topics.out, records.map((r) => ({ key: 'k', value: encodeCommand(r) })));
    await h.command({ kind: 'deliver', id: 'after', target: { type: 'all' }, frame: frame(100) });
    expect(await slowClosed(h)).toBe(1);
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'disconnect' && r.code === 4008));
    expect(h.logs.find((l) => l.code === 4008)!.queued as number).toBeGreaterThan(limit);
    frozen.readAll();
    await frozen.until(() => frozen.closeCode !== undefined, 60_000);
    expect(frozen.closeCode).toBe(1006);
    expect(frozen.bytesRead).toBeLessThan(500 * big.length);
    process.stderr.write(`slow reader: a batch of ${500 * big.length} bytes to a frozen client: it read ${frozen.bytesRead}, then 1006\n`);
  });
});
