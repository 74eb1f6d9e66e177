import WebSocket from 'ws';

/** What became of one connection attempt, and how long after it began (ms). */
export type ConnectOutcome =
  | { kind: 'refused'; status: number; ms: number }
  | { kind: 'closed'; code: number; reason: string; welcomed: boolean; ms: number }
  | { kind: 'open'; ms: number };

/**
 * Tries to connect and reports the first of: the upgrade refused with an HTTP status, the socket
 * closed (after a welcome or not), or still open after `waitMs` (then it is closed here).
 */
export function attemptConnect(url: string, waitMs: number): Promise<ConnectOutcome> {
  const started = Date.now();
  const ws = new WebSocket(url);
  let welcomed = false;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve({ kind: 'open', ms: Date.now() - started });
      ws.terminate();
    }, waitMs);
    const done = (outcome: ConnectOutcome): void => {
      clearTimeout(timer);
      resolve(outcome);
    };
    ws.on('unexpected-response', (req, res) => {
      done({ kind: 'refused', status: res.statusCode ?? 0, ms: Date.now() - started });
      req.destroy();
    });
    ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type?: string }).type === 'welcome') welcomed = true;
    });
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => done({ kind: 'closed', code, reason: reason.toString(), welcomed, ms: Date.now() - started }));
  });
}
