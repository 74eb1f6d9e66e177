import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { RawWsClient } from './support/raw-ws-client.js';
import { sample } from './support/metrics-text.js';
import { TestClient } from './support/test-client.js';

/*
 * The README's promise about direct messages and the recipient's limit, with the defaults: a
 * sender pushing 60 KB direct messages at one recipient gets through at most its rate, 100 KiB a
 * second, so a recipient that stops reading holds out for about 1 MiB / 100 KiB/s = 10 s, and
 * one that reads again in time misses nothing. The sender sends a little over its rate, so its
 * frames queue in its burst rather than being refused for CLIENT_ABUSE_S (which would close it
 * with 1008 at about the same 10 s).
 */

let server: AllInOne;

beforeAll(async () => {
  server = await startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), createLogger('silent'));
});

afterAll(async () => {
  await server?.close();
});

/** A recipient that has stopped reading (once it saw itself connected), and a sender that knows it. */
async function victimAndSender(): Promise<{ victim: RawWsClient; victimId: string; sender: TestClient }> {
  const victim = await RawWsClient.connect(server.port);
  victim.readAll();
  await victim.until(() => victim.texts.some((t) => t.includes('"type":"client-list"')));
  const victimId = (JSON.parse(victim.texts.find((t) => t.includes('"welcome"'))!) as { clientId: string }).clientId;
  const sender = await TestClient.connect(`ws://127.0.0.1:${server.port}`);
  await sender.until(() => sender.lastClientList()?.includes(victimId) ?? false);
  victim.stop();
  return { victim, victimId, sender };
}

const metric = async (series: string): Promise<number> => sample(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text(), series) ?? 0;
const slowClosed = (): Promise<number> => metric('cmf_gateway_closes_total{code="4008"}');

test('one sender flooding a frozen recipient with direct messages cannot get it cut off before about 10 s', async () => {
  const { victim, victimId, sender } = await victimAndSender();
  const frozenAt = performance.now();
  const frozenBytes = victim.bytesRead;
  const relayedBefore = await metric('cmf_gateway_frames_in_total');

  // 60 KB direct messages, 2 a second: 118 tokens a second against a rate of 100.
  let sent = 0;
  const message = 'x'.repeat(60_000);
  const flood = setInterval(() => {
    sender.send({ type: 'broadcast-one', targetId: victimId, message });
    sent += 1;
  }, 500);
  try {
    await new Promise((r) => setTimeout(r, 3000));
    expect(await slowClosed()).toBe(0);
    // What the gateway let through in those 3 s: the rate, 100 tokens a second (59 a frame).
    const relayed = (await metric('cmf_gateway_frames_in_total')) - relayedBefore;
    const seconds = (performance.now() - frozenAt) / 1000;
    expect(relayed).toBeLessThanOrEqual(1 + (100 * seconds) / 59);

    for (const deadline = performance.now() + 30_000; (await slowClosed()) === 0 && performance.now() < deadline; ) await new Promise((r) => setTimeout(r, 100));
    const heldOut = (performance.now() - frozenAt) / 1000;
    process.stderr.write(`direct flood: a frozen recipient held out ${heldOut.toFixed(1)} s against one sender (${sent} sent, ${sender.of('error').length} refused)\n`);
    expect(await slowClosed()).toBe(1);
    expect(heldOut).toBeGreaterThanOrEqual(8);
  } finally {
    clearInterval(flood);
    victim.destroy();
    await sender.close();
  }
  expect(frozenBytes).toBeGreaterThan(0);
});

test('a recipient that reads again in time has missed nothing', async () => {
  const { victim, victimId, sender } = await victimAndSender();
  const relayedBefore = await metric('cmf_gateway_frames_in_total');
  let sent = 0;
  const flood = setInterval(() => {
    sender.send({ type: 'broadcast-one', targetId: victimId, message: `${sent} ${'y'.repeat(60_000)}` });
    sent += 1;
  }, 50);
  await new Promise((r) => setTimeout(r, 2000));
  clearInterval(flood);
  // Every frame sent is settled: relayed at the pace, or refused.
  let relayed = 0;
  for (const deadline = performance.now() + 10_000; performance.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
    relayed = (await metric('cmf_gateway_frames_in_total')) - relayedBefore;
    if (relayed + sender.of('error').length === sent) break;
  }
  expect(relayed + sender.of('error').length).toBe(sent);
  victim.readAll();
  const direct = () => victim.texts.filter((t) => t.startsWith('{"type":"direct"'));
  await victim.until(() => direct().length === relayed);
  expect(victim.closeCode).toBeUndefined();
  // Each relayed message once, in the order sent.
  const order = direct().map((t) => Number((JSON.parse(t) as { message: string }).message.split(' ')[0]));
  expect(new Set(order).size).toBe(relayed);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  victim.destroy();
  await sender.close();
});
