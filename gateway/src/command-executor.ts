import { CloseCodes, decodeCommand, unreachable, type Batch, type Logger, type ReceivedCommand, type Target } from '@cmf/shared';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { DeliveryPlan } from './delivery-plan.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { RecentIds } from './recent-ids.js';
import { textFrame } from './text-frame.js';

export interface CommandExecutorDeps {
  gatewayId: string;
  registry: ConnectionRegistry;
  counters: GatewayMetrics;
  log: Logger;
  maxBufferedBytes: number;
}

/** Enough ids to drop the commands of a batch redelivered after a worker crash. */
const SEEN_CAPACITY = 100_000;

/**
 * Executes ws-out commands: deliver bytes to sockets, kick sockets, drop every socket when the
 * cluster declared this gateway dead. Each command's frame is framed once; the frames one batch
 * holds for a socket go out in one write (delivery-plan.ts), and nothing goes to a socket after
 * its kicked frame.
 */
export class CommandExecutor {
  private readonly seen = new RecentIds(SEEN_CAPACITY);

  constructor(private readonly deps: CommandExecutorDeps) {}

  /** The bus's batch handler. */
  readonly onBatch = async (batch: Batch): Promise<void> => {
    const p = new DeliveryPlan();
    const expired: Connection[] = [];
    for (const r of batch.records) {
      let command: ReceivedCommand;
      try {
        command = decodeCommand(r.value ?? Buffer.alloc(0));
      } catch (err) {
        this.deps.log.warn('skipping a record that is not a ws-out command', { partition: batch.partition, offset: r.offset, err });
        continue;
      }
      if (this.seen.add(command.envelope.id)) this.plan(p, expired, command);
    }
    this.write(p);
    this.close(p, expired);
  };

  private plan(p: DeliveryPlan, expired: Connection[], { envelope, frame }: ReceivedCommand): void {
    const { registry } = this.deps;
    switch (envelope.kind) {
      case 'gateway-expired':
        // Only the clients the cluster dropped: a gateway that woke up keeps those it took since.
        if (envelope.gateway !== this.deps.gatewayId) return;
        for (const conn of registry.all()) if (envelope.lastSeen === undefined || conn.openedAt <= envelope.lastSeen) expired.push(conn);
        return;
      case 'deliver': {
        const framed = textFrame(frame!);
        if (envelope.target.type === 'all') p.toAll(framed, envelope.target, this.excepted(envelope.target));
        else for (const conn of registry.targets(envelope.target)) p.toOne(conn, framed);
        return;
      }
      case 'kick': {
        const framed = textFrame(frame!);
        for (const conn of registry.targets(envelope.target)) p.kick(conn, framed);
        return;
      }
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
    if (p.reachesEveryone) for (const conn of registry.all()) visit(conn);
    else for (const conn of p.personalConnections()) visit(conn);
  }

  private close(p: DeliveryPlan, expired: Connection[]): void {
    for (const conn of p.kicked()) {
      if (conn.closing) continue;
      this.deps.counters.kicks += 1;
      conn.close(CloseCodes.kicked, 'Kicked');
    }
    // They reconnect and get new ids. Their disconnects are published as usual: the cluster ignores
    // those of clients it already dropped, and none stays listed while closed (say one connected in
    // the same millisecond as the gateway's last heartbeat, or across a clock step).
    for (const conn of expired) conn.close(CloseCodes.serviceRestart, 'Gateway expired');
  }
}
