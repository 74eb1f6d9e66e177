import type { PresenceMode, Target } from '@cmf/shared';
import type { Connection } from './connection.js';

const CLASSES: readonly PresenceMode[] = ['full', 'delta', 'none'];

/** The presence classes a target reaches: an `all` target may be limited to sockets that want presence. */
function classesOf(target: Extract<Target, { type: 'all' }>): readonly PresenceMode[] {
  if (target.presence === 'full') return ['full'];
  if (target.presence === 'delta') return ['full', 'delta'];
  return CLASSES;
}

/** A socket whose frames differ from its class's: frames of its own, class frames it skips, a kick that ends it. */
interface Personal {
  /** Its own frames, each placed before the class frame at `at`. */
  inserts: { at: number; frame: Buffer }[];
  skips: Set<number> | undefined;
  /** Ended (kicked, resumed elsewhere): no class frame from this index on, and nothing of its own after. */
  cut: number | undefined;
  kicked: boolean;
}

/**
 * What one ws-out batch writes to which socket. Most frames go to every socket of a presence
 * class (broadcasts, presence notices): those are kept once per class and written as one shared
 * buffer to each of its sockets. A socket that also gets frames of its own (a direct message, an
 * error) or misses some (`except`, a kick) keeps only the differences, merged at write time. So a
 * batch costs one concatenation per class and one write per socket, whatever its size.
 */
export class DeliveryPlan {
  private readonly shared = new Map<PresenceMode, Buffer[]>(CLASSES.map((c) => [c, []]));
  private readonly personal = new Map<Connection, Personal>();

  /** A frame for every socket the target reaches, but those it names in `except`. */
  toAll(frame: Buffer, target: Extract<Target, { type: 'all' }>, excepted: Iterable<Connection>): void {
    const reached = classesOf(target);
    for (const conn of excepted) {
      if (!reached.includes(conn.presence)) continue;
      const p = this.personalOf(conn);
      (p.skips ??= new Set()).add(this.shared.get(conn.presence)!.length);
    }
    for (const cls of reached) this.shared.get(cls)!.push(frame);
  }

  toOne(conn: Connection, frame: Buffer): void {
    const p = this.personalOf(conn);
    if (p.cut === undefined) p.inserts.push({ at: this.shared.get(conn.presence)!.length, frame });
  }

  /** The kicked frame, and nothing after it. */
  kick(conn: Connection, frame: Buffer): void {
    this.toOne(conn, frame);
    const p = this.personalOf(conn);
    if (p.cut === undefined) p.kicked = true;
    this.end(conn);
  }

  /** Nothing from here on (the client resumed on another connection). */
  end(conn: Connection): void {
    this.personalOf(conn).cut ??= this.shared.get(conn.presence)!.length;
  }

  isKicked(conn: Connection): boolean {
    return this.personal.get(conn)?.kicked === true;
  }

  /** The classes some frame goes to every socket of: all their sockets must be visited. */
  classesReached(): PresenceMode[] {
    return CLASSES.filter((c) => this.shared.get(c)!.length > 0);
  }

  /** The sockets with frames of their own or missing ones. */
  personalConnections(): IterableIterator<Connection> {
    return this.personal.keys();
  }

  /** The sockets a kick ends. */
  *kicked(): Generator<Connection> {
    for (const [conn, p] of this.personal) if (p.kicked) yield conn;
  }

  /** The bytes for each socket and how many frames they hold; sockets of a class share one buffer. */
  writer(): (conn: Connection) => { bytes: Buffer; frames: number } | undefined {
    const joined = new Map<PresenceMode, Buffer>();
    for (const [cls, frames] of this.shared) if (frames.length > 0) joined.set(cls, Buffer.concat(frames));
    return (conn) => {
      const p = this.personal.get(conn);
      if (!p) {
        const bytes = joined.get(conn.presence);
        return bytes ? { bytes, frames: this.shared.get(conn.presence)!.length } : undefined;
      }
      const frames = this.merge(this.shared.get(conn.presence)!, p);
      return frames.length > 0 ? { bytes: Buffer.concat(frames), frames: frames.length } : undefined;
    };
  }

  private merge(classFrames: Buffer[], p: Personal): Buffer[] {
    const end = p.cut ?? classFrames.length;
    const out: Buffer[] = [];
    let next = 0;
    for (let i = 0; i <= end; i += 1) {
      while (next < p.inserts.length && p.inserts[next]!.at === i) out.push(p.inserts[next++]!.frame);
      if (i < end && !p.skips?.has(i)) out.push(classFrames[i]!);
    }
    return out;
  }

  private personalOf(conn: Connection): Personal {
    let p = this.personal.get(conn);
    if (!p) this.personal.set(conn, (p = { inserts: [], skips: undefined, cut: undefined, kicked: false }));
    return p;
  }
}
