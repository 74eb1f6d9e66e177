import { WebSocket } from 'ws';

/**
 * True once a client of a CMF-protocol server gets its own broadcast back: the server, and
 * on Kafka its worker and topics, are ready for traffic.
 */
export function cmfRoundTrip(url: string, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      ws.terminate();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    ws.on('error', () => done(false));
    ws.on('close', () => done(false));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type?: string; message?: string };
      if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'broadcast', message: 'bench-ready' }));
      if (frame.type === 'kafka' && frame.message === 'bench-ready') done(true);
    });
  });
}
