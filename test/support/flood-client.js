// A client flooding a gateway with broadcasts, in a process of its own so that the flood's CPU is
// not charged to the clients whose latency a test measures. It floods while its stdin says
// "flood" and rests after "rest"; at "stop" it prints what it sent and what came back, as one
// JSON line, and exits. Closed by the gateway, it connects again, as an abuser would.
// Usage: node flood-client.js <ws url> <frames per second>
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

const [url, perSecond] = process.argv.slice(2);
const SLICE_MS = 10;
const perSlice = Math.max(1, Math.round((Number(perSecond) * SLICE_MS) / 1000));
const counts = { sent: 0, rateLimited: 0, ownBroadcasts: 0, otherErrors: 0, connections: 0, closes: {} };
let ws;
let id = '';
let flooding = false;

function connect() {
  counts.connections += 1;
  ws = new WebSocket(url);
  // Answers are told apart by their text, without parsing each: the flooder must keep reading.
  ws.on('message', (data) => {
    const text = data.toString();
    if (text.startsWith('{"type":"welcome"')) id = JSON.parse(text).clientId;
    else if (text.startsWith('{"type":"error"')) {
      if (text.includes('"code":"rate-limited"')) counts.rateLimited += 1;
      else counts.otherErrors += 1;
    } else if (text.startsWith(`{"type":"kafka","from":"${id}"`)) counts.ownBroadcasts += 1;
  });
  ws.on('close', (code) => {
    counts.closes[code] = (counts.closes[code] ?? 0) + 1;
    if (!stopped) setTimeout(connect, 50);
  });
  ws.on('error', () => undefined);
}

setInterval(() => {
  if (!flooding || ws.readyState !== WebSocket.OPEN || ws.bufferedAmount > 1 << 20) return;
  for (let i = 0; i < perSlice; i += 1) {
    ws.send(`{"type":"broadcast","message":"flood ${counts.sent}"}`);
    counts.sent += 1;
  }
}, SLICE_MS);

let stopped = false;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'flood') flooding = true;
  if (line === 'rest') flooding = false;
  if (line === 'stop') {
    stopped = true;
    // Let the last answers arrive, then report.
    setTimeout(() => {
      process.stdout.write(`${JSON.stringify(counts)}\n`);
      process.exit(0);
    }, 500);
  }
});
connect();
