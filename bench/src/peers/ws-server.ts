/**
 * The floor: a bare `ws` server speaking CMF's client protocol (welcome, broadcast,
 * broadcast-one) with no bus, no presence and no limits beyond the payload size. Whatever CMF
 * costs above this is what its architecture costs.   PORT=<port> node ws-server.js
 */
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const clients = new Map<string, WebSocket>();
let sequence = 0;
let messages = 0;

const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 65536, clientTracking: false });

wss.on('connection', (ws) => {
  const id = `client-${++sequence}`;
  clients.set(id, ws);
  ws.on('error', () => undefined);
  ws.on('close', () => clients.delete(id));
  ws.send(JSON.stringify({ type: 'welcome', clientId: id }));
  ws.on('message', (data) => {
    let frame: { type?: unknown; message?: unknown; targetId?: unknown };
    try {
      frame = JSON.parse(String(data)) as typeof frame;
    } catch {
      ws.send(JSON.stringify({ type: 'error', message: 'Invalid message format' }));
      return;
    }
    const out = (type: string): string =>
      JSON.stringify({ type, from: id, message: frame.message, timestamp: Date.now(), id: String(++messages) });
    if (frame.type === 'broadcast' || frame.type === 'broadcast-all') {
      // Framed once, sent to every socket.
      const text = out('kafka');
      for (const peer of clients.values()) peer.send(text);
    } else if (frame.type === 'broadcast-one') {
      const target = clients.get(String(frame.targetId));
      if (target) target.send(out('direct'));
      else ws.send(JSON.stringify({ type: 'error', message: 'Unknown target' }));
    } else {
      ws.send(JSON.stringify({ type: 'error', message: 'Unknown command' }));
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.once('SIGTERM', () => process.exit(0));
