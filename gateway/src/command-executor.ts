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

/**
 * Executes ws-out commands: deliver bytes to sockets, kick sockets, drop every socket when the
 * cluster declared this gateway dead, hand resumes over. Each command's frame is framed once,
 * with its `id` (its stream position) added when it is replayable; the frames one batch holds for
 * a socket go out in one write (delivery-plan.ts), and nothing goes to a socket after its kicked
 * frame or after its client resumed elsewhere.
 */
export function createCommandExecutor({ gatewayId, registry, counters, log, maxBufferedBytes, position, seen, resumptions, kicked }: CommandExecutorDeps) {
  const excepted = function* (target: Extract<Target, { type: 'all' }>): Generator<Connection> {
    for (const id of target.except ?? []) {
      const conn = registry.get(id);
      if (conn) yield conn;
    }
  };

  /** What ends a batch beyond its writes. */
  interface Ends {
    /** The cluster declared this gateway dead. */
    expired: boolean;
    superseded: Connection[];
  }

  const plan = (p: DeliveryPlan, ends: Ends, command: WsOutRecord, partition: number, offset: number): void => {
    switch (command.kind) {
      case 'gateway-expired':
        if (command.gateway === gatewayId) ends.expired = true;
        return;
      case 'deliver': {
        const framed = textFrame(command.frame, command.replayable ? position.after(partition, offset) : undefined);
        if (command.target.type === 'all') p.toAll(framed, command.target, excepted(command.target));
        else for (const conn of registry.targets(command.target)) p.toOne(conn, framed);
        return;
      }
      case 'kick': {
        const framed = textFrame(command.frame, position.after(partition, offset));
        for (const conn of registry.targets(command.target)) p.kick(conn, framed);
        return;
      }
      case 'resumed': {
        const old = registry.get(command.clientId);
        if (old && old.connectionId !== command.connection) {
          p.end(old);
          ends.superseded.push(old);
        }
        resumptions.resumed(command);
        return;
      }
      case 'resume-refused':
        resumptions.refused(command);
        return;
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
    const ends: Ends = { expired: false, superseded: [] };
    for (const r of batch.records) {
      let command: WsOutRecord;
      try {
        command = decodeRecord(WsOutRecordSchema, r.value ?? '');
      } catch (err) {
        log.warn('skipping a record that is not a ws-out command', { partition: batch.partition, offset: r.offset, err });
        continue;
      }
      if (seen.add(command.id, `${batch.partition}:${r.offset}`)) plan(p, ends, command, batch.partition, Number(r.offset));
    }
    const last = batch.records.at(-1);
    if (last) position.advance(batch.partition, Number(last.offset) + 1);
    write(p);
    for (const conn of p.kicked()) {
      if (conn.closing) continue;
      counters.kicks += 1;
      kicked(conn);
      conn.closeInTurn(CloseCodes.kicked, 'Kicked');
    }
    for (const conn of ends.superseded) {
      // Its client lives on the new connection: this end is no news to the cluster.
      conn.announced = true;
      conn.close(CloseCodes.resumedElsewhere, 'Resumed elsewhere');
    }
    if (ends.expired) {
      for (const conn of [...registry.all()]) {
        // The cluster already counts these clients as away or gone; they reconnect (and resume).
        conn.announced = true;
        conn.close(CloseCodes.serviceRestart, 'Gateway expired');
      }
      resumptions.closeAll(CloseCodes.serviceRestart, 'Gateway expired');
    }
    resumptions.afterBatch();
  };
}
