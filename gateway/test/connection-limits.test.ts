import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { ConnectRate } from '../src/connect-rate.js';
import { clientAddress, isLoopback, sourceKey } from '../src/client-address.js';
import { TestClient } from '../../test/support/test-client.js';
import { sample } from '../../test/support/metrics-text.js';
import { closeAll, setup, track, upgradeStatus } from './support/gateway-harness.js';

afterEach(closeAll);

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

describe('MAX_CONNECTIONS', () => {
  test('upgrades beyond it get 503; a closed socket frees its place', async () => {
    const h = await setup({ MAX_CONNECTIONS: '3' });
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(h.url)));
    track(...clients.slice(1));
    expect(await upgradeStatus(h.url)).toBe(503);
    await clients[0]!.close();
    await h.wsIn.until(() => h.inRecords().some((r) => r.kind === 'disconnect'));
    expect(await upgradeStatus(h.url)).toBe(101);
    expect(sample(await h.metrics(), 'cmf_gateway_upgrades_refused_total{status="503"}')).toBe(1);
  });

  test('concurrent upgrades cannot overshoot it', async () => {
    const h = await setup({ MAX_CONNECTIONS: '5' });
    const sockets = Array.from({ length: 20 }, () => new WebSocket(h.url));
    const statuses = await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<number>((resolve) => {
            ws.on('error', () => undefined);
            ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
            ws.once('open', () => resolve(101));
          }),
      ),
    );
    expect(statuses.filter((s) => s === 101)).toHaveLength(5);
    expect(statuses.filter((s) => s === 503)).toHaveLength(15);
    expect(h.gateway.clientCount).toBe(5);
    for (const ws of sockets) ws.terminate();
  });
});

describe('MAX_CONNECTS_PER_S', () => {
  test('a source beyond it gets 429 while other sources connect; TRUST_PROXY_HOPS reads the proxy-appended address', async () => {
    const h = await setup({ MAX_CONNECTS_PER_S: '5', TRUST_PROXY_HOPS: '1' });
    // The proxy appended 203.0.113.7; what the client put in front of it is its own to forge.
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => upgradeStatus(h.url, from(`10.9.9.${i}, 203.0.113.7`))));
    expect(statuses.sort()).toEqual([101, 101, 101, 101, 101, 429, 429, 429]);
    expect(await upgradeStatus(h.url, from('203.0.113.8'))).toBe(101);
    // One IPv6 /64 is one source.
    const v6 = await Promise.all(Array.from({ length: 6 }, (_, i) => upgradeStatus(h.url, from(`2001:db8:1:2::${i + 1}`))));
    expect(v6.filter((s) => s === 429)).toHaveLength(1);
    // A second later the source may connect again.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await upgradeStatus(h.url, from('203.0.113.7'))).toBe(101);
    expect(sample(await h.metrics(), 'cmf_gateway_upgrades_refused_total{status="429"}')).toBe(4);
  });

  test('loopback peers are exempt: 50 connects at once from 127.0.0.1 with a cap of 5', async () => {
    const h = await setup({ MAX_CONNECTS_PER_S: '5' });
    const statuses = await Promise.all(Array.from({ length: 50 }, () => upgradeStatus(h.url)));
    expect(statuses.every((s) => s === 101)).toBe(true);
  });

  test('memory stays bounded: sources idle for a second are forgotten', () => {
    let now = 0;
    const rate = new ConnectRate({ perSecond: 2, trustProxyHops: 1, now: () => now });
    const req = (address: string) => ({ socket: { remoteAddress: '10.0.0.1' }, headers: { 'x-forwarded-for': address } }) as unknown as IncomingMessage;
    let admitted = 0;
    for (let i = 0; i < 10_000; i += 1) {
      now += 0.05;
      if ((rate.rule(req(`198.51.${i >> 8}.${i & 255}`)) as { ok: boolean }).ok) admitted += 1;
    }
    expect(admitted).toBe(10_000);
    expect(rate.tracked).toBe(10_000);
    now += 1500;
    rate.rule(req('192.0.2.1'));
    expect(rate.tracked).toBe(1);
  });
});

describe('client addresses', () => {
  const req = (peer: string, forwarded?: string) =>
    ({ socket: { remoteAddress: peer }, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } }) as unknown as IncomingMessage;

  test('the socket peer unless proxies are trusted; then the entry the outermost trusted proxy appended', () => {
    expect(clientAddress(req('10.0.0.1', '1.2.3.4'), 0)).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1', '9.9.9.9, 1.2.3.4'), 1)).toBe('1.2.3.4');
    expect(clientAddress(req('10.0.0.1', '9.9.9.9, 1.2.3.4, 10.0.0.2'), 2)).toBe('1.2.3.4');
    expect(clientAddress(req('10.0.0.1'), 1)).toBe('10.0.0.1');
    expect(clientAddress(req('10.0.0.1', 'not-an-ip'), 1)).toBe('10.0.0.1');
  });

  test('IPv4 (mapped or not) is one source per address; IPv6 one per /64; loopback is recognised', () => {
    expect(sourceKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('192.0.2.1')).toBe('192.0.2.1');
    expect(sourceKey('2001:db8:0:1::5')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('2001:db8:0:1:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(sourceKey('2001:DB8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(['127.0.0.1', '127.0.0.8', '::1', '::ffff:127.0.0.1'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '::2', '::ffff:10.0.0.1', '2001:db8::1'].some(isLoopback)).toBe(false);
  });
});
