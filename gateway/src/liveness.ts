import type { Logger } from '@cmf/shared';
import type { ConnectionRegistry } from './connection-registry.js';
import type { Relay } from './relay.js';

export interface LivenessDeps {
  registry: ConnectionRegistry;
  relay: Relay;
  log: Logger;
  heartbeatMs: number;
  pingMs: number;
  /** GATEWAY_TIMEOUT_MS: silence after which the cluster declares a gateway dead. */
  timeoutMs: number;
  /** Called when the process was frozen long enough that the cluster may have declared it dead. */
  onFrozen(): void;
  /** The gateway's ws-out position now: a socket that answers a ping has had everything before it. */
  position(): string;
}

export interface Liveness {
  /** True from the moment the process wakes from such a freeze until its sockets are dropped. */
  frozen(): boolean;
  stop(): void;
}

const CLOCK_TICK_MS = 250;

/**
 * Both directions of liveness: the gateway tells the cluster it is alive (so its clients are not
 * expired), and each socket must answer a ping by the next one or it is terminated (half-open
 * sockets are reaped). It also notices its own freezes (SIGSTOP, a stalled event loop): after a
 * silence long enough for the cluster to have announced its clients gone, it relays nothing more
 * from them and drops them, so a gateway that wakes up never delivers for clients already gone.
 */
export function startLiveness({ registry, relay, log, heartbeatMs, pingMs, timeoutMs, onFrozen, position }: LivenessDeps): Liveness {
  // The cluster expires a gateway once its last heartbeat is timeoutMs old; the last one went out
  // up to heartbeatMs before the freeze, and expiry runs on ticks up to a second apart.
  const freezeLimit = Math.max(1000, timeoutMs - heartbeatMs - 1000);
  let lastTick = Date.now();
  const frozen = (): boolean => Date.now() - lastTick > freezeLimit;

  const heartbeat = (): void => {
    relay.heartbeat().catch((err: unknown) => log.debug('heartbeat not published', { err }));
  };
  heartbeat();
  const heartbeatTimer = setInterval(heartbeat, heartbeatMs);
  const clock = setInterval(() => {
    if (frozen()) {
      log.warn('the gateway was frozen long enough to be declared dead; dropping its sockets', { frozenMs: Date.now() - lastTick });
      onFrozen();
    }
    lastTick = Date.now();
  }, CLOCK_TICK_MS);
  const pingTimer = setInterval(() => {
    const at = position();
    for (const conn of registry.all()) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      // A pong proves what was written before the ping; live frames held back were not.
      conn.pinged = conn.holding ? undefined : at;
      conn.ws.ping();
    }
  }, pingMs);
  return {
    frozen,
    stop: () => {
      clearInterval(heartbeatTimer);
      clearInterval(clock);
      clearInterval(pingTimer);
    },
  };
}
