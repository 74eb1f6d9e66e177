import {
  CloseCodes,
  decodeRecord,
  unreachable,
  WsOutRecordSchema,
  type Batch,
  type Logger,
  type Target,
  type WsOutRecord,
} from '@cmf/shared';
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
export function createCommandExecutor({ gatewayId, registry, counters, log, maxBufferedBytes }: CommandExecutorDeps) {
  const seen = new RecentIds(SEEN_CAPACITY);

  const excepted = function* (target: Extract<Target, { type: 'all' }>): Generator<Connection> {
    for (const id of target.except ?? []) {
      const conn = registry.get(id);
      if (conn) yield conn;
    }
  };

  const plan = (p: DeliveryPlan, expired: Connection[], command: WsOutRecord): void => {
    switch (command.kind) {
      case 'gateway-expired':
        // Only the clients the cluster dropped: a gateway that woke up keeps those it took since.
        if (command.gateway !== gatewayId) return;
        for (const conn of registry.all()) if (command.lastSeen === undefined || conn.openedAt <= command.lastSeen) expired.push(conn);
        return;
      case 'deliver': {
        const framed = textFrame(Buffer.from(command.frame));
        if (command.target.type === 'all') p.toAll(framed, command.target, excepted(command.target));
        else for (const conn of registry.targets(command.target)) p.toOne(conn, framed);
        return;
      }
      case 'kick': {
        const framed = textFrame(Buffer.from(command.frame));
        for (const conn of registry.targets(command.target)) p.kick(conn, framed);
        return;
      }
      default:
        unreachable(command);
    }
  };

  const write = (p: DeliveryPlan): void => {
    const bytesFor = p.writer();
    const visit = (conn: Connection): void => {
      if (conn.closing) return;
      const out = bytesFor(conn);
      if (!out) return;
      const result = conn.write(out.bytes, maxBufferedBytes);
      if (result === 'sent') counters.framesOut += out.frames;
      else if (result === 'slow') conn.close(CloseCodes.slowConsumer, 'Slow consumer');
    };
    if (p.reachesEveryone) for (const conn of registry.all()) visit(conn);
    else for (const conn of p.personalConnections()) visit(conn);
  };

  return async (batch: Batch): Promise<void> => {
    const p = new DeliveryPlan();
    const expired: Connection[] = [];
    for (const r of batch.records) {
      let command: WsOutRecord;
      try {
        command = decodeRecord(WsOutRecordSchema, r.value ?? '');
      } catch (err) {
        log.warn('skipping a record that is not a ws-out command', { partition: batch.partition, offset: r.offset, err });
        continue;
      }
      if (seen.add(command.id)) plan(p, expired, command);
    }
    write(p);
    for (const conn of p.kicked()) {
      if (conn.closing) continue;
      counters.kicks += 1;
      conn.close(CloseCodes.kicked, 'Kicked');
    }
    // They reconnect and get new ids. Their disconnects are published as usual: the cluster ignores
    // those of clients it already dropped, and none stays listed while closed (say one connected in
    // the same millisecond as the gateway's last heartbeat, or across a clock step).
    for (const conn of expired) conn.close(CloseCodes.serviceRestart, 'Gateway expired');
  };
}
