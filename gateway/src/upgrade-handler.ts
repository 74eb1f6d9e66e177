import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { PresenceModeSchema, type Logger, type PresenceMode } from '@cmf/shared';
import type { Admitted } from './client-session.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { admit, refuseUpgrade, type Admission, type UpgradeRule } from './upgrade-policy.js';

export interface UpgradeHandlerDeps {
  wss: WebSocketServer;
  /** The configured rules (origin, authentication, connect rate), after the gateway's own checks. */
  rules: readonly UpgradeRule[];
  /** The admitted socket's session: a new client's, or a resume (see resumptions.ts). */
  open(ws: WebSocket, socket: Duplex, admitted: Admitted, req: IncomingMessage): void;
  registry: ConnectionRegistry;
  counters: GatewayMetrics;
  log: Logger;
  maxConnections: number;
  accepting(): boolean;
  /** False while the bus is known to be down: a connect could not be announced, so refuse now, not after a welcome. */
  busAvailable(): boolean;
}

/** The `?presence=` of an upgrade: `full` (the original protocol) when absent, undefined when not a mode. */
function presenceModeOf(req: IncomingMessage): PresenceMode | undefined {
  const asked = new URL(req.url ?? '/', 'http://gateway').searchParams.get('presence');
  if (asked === null) return 'full';
  const parsed = PresenceModeSchema.safeParse(asked);
  return parsed.success ? parsed.data : undefined;
}

/**
 * An upgrade becomes a socket only once it passes the gateway's own checks (its `?presence=`,
 * accepting, the bus, MAX_CONNECTIONS, counting upgrades still being checked so concurrent ones
 * cannot overshoot it) and then the configured rules; refusals are counted by status.
 */
export function upgradeHandler(deps: UpgradeHandlerDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { wss, rules, registry, counters, log, maxConnections } = deps;
  let upgrading = 0;
  const refuse = (req: IncomingMessage, socket: Duplex, status: number, reason: string): void => {
    counters.countRefusal(status);
    // The reason, never the URL or headers: they may hold the token. Floods (429, 503) are counted, not logged line by line.
    const fields = { status, reason, address: req.socket.remoteAddress };
    if (status === 401 || status === 403) log.info('upgrade refused', fields);
    else log.debug('upgrade refused', fields);
    refuseUpgrade(socket, status, reason);
  };
  const ownChecks = (req: IncomingMessage): Admission => {
    if (!deps.accepting()) return { ok: false, status: 503, reason: 'The gateway is not accepting connections' };
    if (!deps.busAvailable()) return { ok: false, status: 503, reason: 'The message bus is unavailable' };
    if (registry.size + upgrading >= maxConnections) {
      return { ok: false, status: 503, reason: `The gateway holds its maximum of ${maxConnections} connections (MAX_CONNECTIONS)` };
    }
    return presenceModeOf(req) ? { ok: true } : { ok: false, status: 400, reason: 'presence must be full, delta or none' };
  };
  // One listener for every socket: a closure made per upgrade would share (and keep, for the
  // socket's whole life) the scope holding its request, headers and all.
  const onSocketError = (err: Error): void => log.debug('upgrade socket error', { err });
  return (req, socket, head) => {
    socket.on('error', onSocketError);
    const own = ownChecks(req);
    if (!own.ok) return refuse(req, socket, own.status, own.reason);
    const presence = presenceModeOf(req)!;
    upgrading += 1;
    void admit(rules, req)
      .catch((err: unknown): Admission => {
        log.error('an upgrade rule failed', { err });
        return { ok: false, status: 503, reason: 'The upgrade could not be checked' };
      })
      .then((admission) => {
        upgrading -= 1;
        if (!admission.ok) refuse(req, socket, admission.status, admission.reason);
        else if (!deps.accepting()) refuse(req, socket, 503, 'The gateway is not accepting connections');
        else wss.handleUpgrade(req, socket, head, (ws) => deps.open(ws, socket, { presence, auth: admission.auth }, req));
      });
  };
}
