import { connect, type Socket } from 'node:net';
import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { TestClient } from './support/test-client.js';

/**
 * The all-in-one server shares one HTTP server between the admin API and the WebSocket gateway:
 * slow requests are cut there too, and upgraded sockets are not.
 */

const start = (env: Record<string, string> = {}): Promise<AllInOne> =>
  startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }), createLogger('silent'));

interface Held {
  /** Milliseconds from the first byte sent until the server closed the connection. */
  heldMs: number;
  answer: string;
}

/** Sends `head`, then one byte of `drip` every `everyMs` for as long as the server keeps the socket open. */
function trickle(port: number, head: string, drip: string, everyMs: number): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write(drip[sent++ % drip.length]!);
    }, everyMs);
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
    socket.on('error', () => undefined);
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server still held the socket after 60 s; it answered: ${JSON.stringify(answer)}`));
    }, 60_000);
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ heldMs: Date.now() - started, answer });
    });
    socket.once('connect', () => socket.write(head));
  });
}

describe('all-in-one server, default timeouts', () => {
  let server: AllInOne;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server.close();
  });

  test('a body trickled 1 byte per 5 s gets 408 and the socket closed within HTTP_BODY_TIMEOUT_MS (5 s), and a trickle of headers within HTTP_HEADERS_TIMEOUT_MS', async () => {
    const body = trickle(
      server.port,
      'POST /broadcast HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
      '"message": "slow"}',
      5_000,
    );
    const headers = trickle(server.port, 'GET /health HTTP/1.1\r\n', 'X-Slow: 1\r\n', 1_000);
    const [slowBody, slowHeaders] = await Promise.all([body, headers]);
    expect(slowBody.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowBody.answer).toContain('"code":"request-timeout"');
    expect(slowBody.heldMs).toBeGreaterThanOrEqual(4_900);
    expect(slowBody.heldMs).toBeLessThan(7_000);
    expect(slowHeaders.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(slowHeaders.heldMs).toBeGreaterThanOrEqual(4_900);
    expect(slowHeaders.heldMs).toBeLessThan(7_000);
  });
});

test('WebSockets on the same server outlive the request timeouts many times over', async () => {
  // Requests must be complete within 200 + 200 + 1000 ms here; the sockets stay for 4 s and still work.
  const server = await start({ HTTP_HEADERS_TIMEOUT_MS: '200', HTTP_BODY_TIMEOUT_MS: '200' });
  const clients: TestClient[] = [];
  try {
    clients.push(await TestClient.connect(`ws://127.0.0.1:${server.port}`), await TestClient.connect(`ws://127.0.0.1:${server.port}`));
    await clients[0]!.next('client-list', (f) => (f.clients as string[]).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    clients[1]!.send({ type: 'broadcast-all', message: 'still here' });
    for (const c of clients) expect((await c.next('kafka', (f) => f.message === 'still here')).from).toBe(clients[1]!.id);
    const slow = await trickle(server.port, 'POST /broadcast HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n', '{}', 100);
    expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.heldMs).toBeLessThan(1_500);
  } finally {
    for (const c of clients) await c.close();
    await server.close();
  }
});
