import { clientIdOf, unreachable, type PresenceMode, type Target } from '@cmf/shared';
import type { Connection } from './connection.js';

/** Whether a socket that asked for `mode` gets a frame an `all` target limits to `filter`. */
export function wantsPresence(filter: Extract<Target, { type: 'all' }>['presence'], mode: PresenceMode): boolean {
  return !filter || (mode !== 'none' && (filter !== 'full' || mode !== 'delta'));
}

/** This gateway's open connections by client id, and the client ids it hands out. */
export class ConnectionRegistry {
  private readonly byId = new Map<string, Connection>();
  /** By presence class too, so a batch of presence notices visits only the sockets that want them. */
  private readonly byClass = new Map<PresenceMode, Set<Connection>>([
    ['full', new Set()],
    ['delta', new Set()],
    ['none', new Set()],
  ]);
  private sequence = 0;

  constructor(private readonly gatewayId: string) {}

  /**
   * A client id no connection of any gateway has had (see newGatewayId), and the connection id of
   * the socket that gets it (`<gateway>:<n>`; a resumed socket uses only the latter).
   */
  next(): { clientId: string; connectionId: string } {
    this.sequence += 1;
    return { clientId: clientIdOf(this.gatewayId, this.sequence), connectionId: `${this.gatewayId}:${this.sequence}` };
  }

  add(conn: Connection): void {
    const old = this.byId.get(conn.id);
    if (old) this.byClass.get(old.presence)!.delete(old);
    this.byId.set(conn.id, conn);
    this.byClass.get(conn.presence)!.add(conn);
  }

  remove(conn: Connection): void {
    if (this.byId.get(conn.id) !== conn) return;
    this.byId.delete(conn.id);
    this.byClass.get(conn.presence)!.delete(conn);
  }

  get(id: string): Connection | undefined {
    return this.byId.get(id);
  }

  get size(): number {
    return this.byId.size;
  }

  all(): IterableIterator<Connection> {
    return this.byId.values();
  }

  /** The connections that asked for `mode`. */
  ofClass(mode: PresenceMode): ReadonlySet<Connection> {
    return this.byClass.get(mode)!;
  }

  /** The connections a command targets; a generator, so a broadcast builds no array per command. */
  *targets(target: Target): Generator<Connection> {
    switch (target.type) {
      case 'clients':
        for (const id of target.ids) {
          const conn = this.byId.get(id);
          if (conn) yield conn;
        }
        return;
      case 'all': {
        const { except, presence } = target;
        for (const conn of this.byId.values()) {
          if (except?.includes(conn.id)) continue;
          if (!wantsPresence(presence, conn.presence)) continue;
          yield conn;
        }
        return;
      }
      default:
        return unreachable(target);
    }
  }
}
