import type { Logger } from '@cmf/shared';
import type { ConnectionRegistry } from './connection-registry.js';
import type { Relay } from './relay.js';

export interface LivenessDeps {
  registry: ConnectionRegistry;
  relay: Relay;
  log: Logger;
  heartbeatMs: number;
  pingMs: number;
}

/**
 * Both directions of liveness: the gateway tells the cluster it is alive (so its clients are not
 * expired), and each socket must answer a ping by the next one or it is terminated (half-open
 * sockets are reaped). Returns the stop function.
 */
export function startLiveness({ registry, relay, log, heartbeatMs, pingMs }: LivenessDeps): () => void {
  const heartbeat = (): void => {
    relay.heartbeat().catch((err: unknown) => log.warn('heartbeat not published', { err }));
  };
  heartbeat();
  const heartbeatTimer = setInterval(heartbeat, heartbeatMs);
  const pingTimer = setInterval(() => {
    for (const conn of registry.all()) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }, pingMs);
  return () => {
    clearInterval(heartbeatTimer);
    clearInterval(pingTimer);
  };
}
