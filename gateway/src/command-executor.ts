import {
  CloseCodes,
  decodeRecord,
  unreachable,
  WsOutRecordSchema,
  type Batch,
  type Logger,
  type WsOutRecord,
} from '@cmf/shared';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { RecentIds } from './recent-ids.js';

export interface CommandExecutorDeps {
  gatewayId: string;
  registry: ConnectionRegistry;
  counters: GatewayMetrics;
  log: Logger;
  maxBufferedBytes: number;
}

/** Enough ids to drop the commands of a batch redelivered after a worker crash. */
const SEEN_CAPACITY = 100_000;

/** What one ws-out batch asks of this gateway, gathered before anything is written. */
class BatchPlan {
  readonly outgoing = new Map<Connection, Buffer[]>();
  readonly kicked = new Set<Connection>();
  readonly expired: Connection[] = [];

  write(conn: Connection, bytes: Buffer): void {
    const frames = this.outgoing.get(conn);
    if (frames) frames.push(bytes);
    else this.outgoing.set(conn, [bytes]);
  }
}

/**
 * Executes ws-out commands: deliver bytes to sockets, kick sockets, drop every socket when the
 * cluster declared this gateway dead. The frames one batch holds for a socket go out in one
 * write, and nothing goes to a socket after its kicked frame.
 */
export function createCommandExecutor({ gatewayId, registry, counters, log, maxBufferedBytes }: CommandExecutorDeps) {
  const seen = new RecentIds(SEEN_CAPACITY);

  const plan = (p: BatchPlan, command: WsOutRecord): void => {
    switch (command.kind) {
      case 'gateway-expired':
        if (command.gateway === gatewayId) p.expired.push(...registry.all());
        return;
      case 'deliver':
      case 'kick': {
        const bytes = Buffer.from(command.frame);
        for (const conn of registry.targets(command.target)) {
          if (conn.closing || p.kicked.has(conn)) continue;
          p.write(conn, bytes);
          if (command.kind === 'kick') p.kicked.add(conn);
        }
        return;
      }
      default:
        unreachable(command);
    }
  };

  const execute = (p: BatchPlan): void => {
    for (const [conn, frames] of p.outgoing) {
      // A slow consumer is cut off by send itself.
      if (conn.send(frames, maxBufferedBytes) === 'sent') counters.framesOut += frames.length;
    }
    counters.kicks += p.kicked.size;
    for (const conn of p.kicked) conn.close(CloseCodes.kicked, 'Kicked');
    for (const conn of p.expired) {
      // The cluster already announced these clients as gone; they reconnect and get new ids.
      conn.announced = true;
      conn.close(CloseCodes.serviceRestart, 'Gateway expired');
    }
  };

  return async (batch: Batch): Promise<void> => {
    const p = new BatchPlan();
    for (const r of batch.records) {
      let command: WsOutRecord;
      try {
        command = decodeRecord(WsOutRecordSchema, r.value ?? '');
      } catch (err) {
        log.warn('skipping a record that is not a ws-out command', { partition: batch.partition, offset: r.offset, err });
        continue;
      }
      if (seen.add(command.id)) plan(p, command);
    }
    execute(p);
  };
}
