import { CloseCodes, decodeCommand, unreachable, type Batch, type Logger, type ReceivedCommand, type Target } from '@cmf/shared';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { DeliveryPlan } from './delivery-plan.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { RecentIds } from './recent-ids.js';
import type { Resumptions } from './resumptions.js';
import type { StreamPosition } from './stream-position.js';
import { textFrame } from './text-frame.js';

export interface CommandExecutorDeps {
  gatewayId: string;
  registry: ConnectionRegistry;
  counters: GatewayMetrics;
  log: Logger;
  maxBufferedBytes: number;
  /** Where this gateway stands in ws-out: the ids it stamps, advanced after each batch. */
  position: StreamPosition;
  /** Command ids already executed, with where each was first seen (see RecentIds). */
  seen: RecentIds;
  resumptions: Resumptions;
  /** A kicked connection, announced gone before its socket closes (so its client cannot resume first). */
  kicked(conn: Connection): void;
}

/** What ends a batch beyond its writes. */
interface Ends {
  /** The cluster declared this gateway dead: its clients connected up to then are dropped. */
  expired: Connection[];
  /** When the cluster last heard from this gateway, if it expired (pending resumes from before are dropped too). */
  lastSeen: number | undefined;
  superseded: Connection[];
}

/**
 * Executes ws-out commands: deliver bytes to sockets, kick sockets, drop the sockets the cluster
 * dropped when it declared this gateway dead, hand resumes over. Each command's frame is framed
 * once, with its `id` (its stream position) added when it is replayable; the frames one batch
 * holds for a socket go out in one write (delivery-plan.ts), and nothing goes to a socket after
 * its kicked frame or after its client resumed elsewhere.
 */
export class CommandExecutor {
  constructor(private readonly deps: CommandExecutorDeps) {}

  /** The bus's batch handler. */
  readonly onBatch = async (batch: Batch): Promise<void> => {
    const { position, seen, resumptions, log } = this.deps;
    const p = new DeliveryPlan();
    const ends: Ends = { expired: [], lastSeen: undefined, superseded: [] };
    for (const r of batch.records) {
      let command: ReceivedCommand;
      try {
        command = decodeCommand(r.value ?? Buffer.alloc(0));
      } catch (err) {
        log.warn('skipping a record that is not a ws-out command', { partition: batch.partition, offset: r.offset, err });
        continue;
      }
      if (seen.add(command.envelope.id, `${batch.partition}:${r.offset}`)) this.plan(p, ends, command, batch.partition, Number(r.offset));
    }
    const last = batch.records.at(-1);
    if (last) position.advance(batch.partition, Number(last.offset) + 1);
    this.write(p);
    this.close(p, ends);
    resumptions.afterBatch();
  };

  private plan(p: DeliveryPlan, ends: Ends, { envelope, frame }: ReceivedCommand, partition: number, offset: number): void {
    const { registry, position, resumptions } = this.deps;
    switch (envelope.kind) {
      case 'gateway-expired': {
        if (envelope.gateway !== this.deps.gatewayId) return;
        // Only the clients the cluster dropped: a gateway that woke up keeps those it took since.
        const lastSeen = envelope.lastSeen ?? Infinity;
        ends.lastSeen = lastSeen;
        for (const conn of registry.all()) if (conn.openedAt <= lastSeen) ends.expired.push(conn);
        return;
      }
      case 'deliver': {
        const framed = textFrame(frame!, envelope.replayable ? position.after(partition, offset) : undefined);
        if (envelope.target.type === 'all') p.toAll(framed, envelope.target, this.excepted(envelope.target));
        else for (const conn of registry.targets(envelope.target)) p.toOne(conn, framed);
        return;
      }
      case 'kick': {
        const framed = textFrame(frame!, position.after(partition, offset));
        for (const conn of registry.targets(envelope.target)) p.kick(conn, framed);
        return;
      }
      case 'resumed': {
        const old = registry.get(envelope.clientId);
        if (old && old.connectionId !== envelope.connection) {
          p.end(old);
          ends.superseded.push(old);
        }
        resumptions.resumed(envelope);
        return;
      }
      case 'resume-refused':
        resumptions.refused(envelope);
        return;
      default:
        unreachable(envelope);
    }
  }

  private *excepted(target: Extract<Target, { type: 'all' }>): Generator<Connection> {
    for (const id of target.except ?? []) {
      const conn = this.deps.registry.get(id);
      if (conn) yield conn;
    }
  }

  private write(p: DeliveryPlan): void {
    const { registry, counters, maxBufferedBytes } = this.deps;
    const bytesFor = p.writer();
    const visit = (conn: Connection): void => {
      if (conn.closing) return;
      const out = bytesFor(conn);
      if (!out) return;
      // A slow consumer is cut off by write itself.
      if (conn.write(out.bytes, maxBufferedBytes) === 'sent') counters.framesOut += out.frames;
    };
    const classes = p.classesReached();
    for (const cls of classes) for (const conn of registry.ofClass(cls)) visit(conn);
    // Those of other classes (a class's own sockets were visited above, personal frames included).
    for (const conn of p.personalConnections()) if (!classes.includes(conn.presence)) visit(conn);
  }

  private close(p: DeliveryPlan, ends: Ends): void {
    for (const conn of p.kicked()) {
      if (conn.closing) continue;
      this.deps.counters.kicks += 1;
      this.deps.kicked(conn);
      conn.closeInTurn(CloseCodes.kicked, 'Kicked');
    }
    for (const conn of ends.superseded) {
      // Its client lives on the new connection: this end is no news to the cluster.
      conn.announced = true;
      conn.close(CloseCodes.resumedElsewhere, 'Resumed elsewhere');
    }
    // They reconnect (and resume). Their disconnects are published as usual: the cluster ignores
    // those of clients it already dropped, and none stays listed while closed (say one connected in
    // the same millisecond as the gateway's last heartbeat, or across a clock step).
    for (const conn of ends.expired) conn.close(CloseCodes.serviceRestart, 'Gateway expired');
    if (ends.lastSeen !== undefined) this.deps.resumptions.closeAll(CloseCodes.serviceRestart, 'Gateway expired', ends.lastSeen);
  }
}
