import { CloseCodes } from '@cmf/shared';
import { announceDisconnect } from './client-session.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { Relay } from './relay.js';

/**
 * A clean stop's part for the sockets: every client is announced gone, its socket closed with
 * 1001, and those that do not finish the close handshake within `graceMs` are cut. Not the
 * clients' choice: resumable ones keep their ids and resume on another gateway. Resolves with
 * how many there were once every disconnect is published.
 */
export async function closeAllConnections(registry: ConnectionRegistry, relay: Relay, graceMs: number): Promise<number> {
  const open = [...registry.all()];
  const announced = open.map((conn) => announceDisconnect(conn, relay, CloseCodes.goingAway, true));
  const closed = Promise.all(open.map((conn) => new Promise((resolve) => conn.ws.once('close', resolve))));
  for (const conn of open) conn.close(CloseCodes.goingAway, 'Server shutting down');
  const timer = setTimeout(() => open.forEach((conn) => conn.ws.terminate()), graceMs);
  await closed;
  clearTimeout(timer);
  await Promise.all(announced);
  return open.length;
}
