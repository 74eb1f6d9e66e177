import { join } from 'node:path';
import { SERVER_STOP_GRACE_MS, freePort, portAccepts, startProcess, stopProcess, waitUntil } from '../processes.js';
import { cmfRoundTrip } from './round-trip.js';
import type { RunningServer, ServerContext } from './server.js';

async function startPeer(ctx: ServerContext, script: string): Promise<{ port: number; stop(): Promise<void>; pid: number }> {
  const port = await freePort();
  const server = startProcess(script, process.execPath, [join(ctx.root, 'bench/dist/peers', script)], {
    cpus: ctx.serverCpus,
    env: { ...process.env, PORT: String(port) },
  });
  try {
    await waitUntil(script, () => portAccepts(port), { timeoutMs: 30_000, alive: () => server.child.exitCode === null });
  } catch (err) {
    await stopProcess(server, SERVER_STOP_GRACE_MS);
    throw new Error(`${(err as Error).message}\n${server.stderrTail()}`);
  }
  return { port, pid: server.pid, stop: () => stopProcess(server, SERVER_STOP_GRACE_MS) };
}

/** The bare `ws` server (peers/ws-server.ts), CMF's protocol with nothing behind it. */
export async function startWsFloor(ctx: ServerContext): Promise<RunningServer> {
  const peer = await startPeer(ctx, 'ws-server.js');
  const url = `ws://127.0.0.1:${peer.port}/`;
  await waitUntil('ws round trip', () => cmfRoundTrip(url), { timeoutMs: 10_000 });
  return { url, protocol: 'cmf', processes: { server: [peer.pid] }, stop: peer.stop };
}

/** Socket.IO 4.8 (peers/socketio-server.ts), websocket transport only. */
export async function startSocketIo(ctx: ServerContext): Promise<RunningServer> {
  const peer = await startPeer(ctx, 'socketio-server.js');
  return {
    url: `ws://127.0.0.1:${peer.port}/socket.io/?EIO=4&transport=websocket`,
    protocol: 'socketio',
    processes: { server: [peer.pid] },
    stop: peer.stop,
  };
}
