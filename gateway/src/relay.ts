import { encodeRecord, PRESENCE_KEY, type Bus, type FrameAuth, type FrameRecord, type Logger, type PresenceMode, type PublishAck, type WsInRecord } from '@cmf/shared';

export interface RelayOptions {
  bus: Bus;
  topic: string;
  gateway: string;
  log: Logger;
  /** How long Kafka has to acknowledge a frame before the client is told bus-unavailable. */
  publishTimeoutMs: number;
  /** The gateway's position in ws-out now: heartbeats carry it (a dead gateway's clients resume without `last` from there). */
  position(): string;
}

/** How a connection is announced: which socket it is, whether its client holds a resume token, when it opened. */
export interface ConnectionInfo {
  connection: string;
  resumable: boolean;
  at: number;
}

/**
 * How much later than a frame's deadline the gateway gives up waiting for its acknowledgement.
 * An append before the deadline is delivered, so this is the time an acknowledgement may take to
 * come back after the append (seen past 500 ms on a loaded machine), plus how far the broker's
 * clock may lag the gateway's, without a frame being both refused and delivered. Refusals still
 * come within PUBLISH_TIMEOUT_MS + 1 s.
 */
export const ACK_MARGIN_MS = 800;

/** Disconnects waiting for the bus to come back, at most: one per connection that ended in an outage. */
const MAX_PENDING_DISCONNECTS = 100_000;

/**
 * The gateway's only way into ws-in: client frames keyed by client, presence events by
 * PRESENCE_KEY. It knows whether the bus is taking records (`available`: false from a failed
 * publish until one succeeds; heartbeats keep probing) and keeps a client's disconnect until it
 * lands, so a client never stays listed because its goodbye met an outage.
 */
export class Relay {
  available = true;
  private readonly pendingDisconnects = new Map<string, WsInRecord>();

  constructor(private readonly options: RelayOptions) {}

  /**
   * A client's frame as received, with who sent it when the connection authenticated; the gateway
   * never parses it. Resolves true when it will be
   * processed, false when the client must be told bus-unavailable (refused, timed out, or
   * appended after its deadline, which the worker then drops).
   */
  async frame(clientId: string, data: string, auth?: FrameAuth): Promise<boolean> {
    const receivedAt = Date.now();
    const deadline = receivedAt + this.options.publishTimeoutMs;
    const record: FrameRecord = { kind: 'frame', clientId, gateway: this.options.gateway, receivedAt, data, deadline };
    if (auth) record.auth = auth;
    try {
      const ack = await this.publish(clientId, record, this.options.publishTimeoutMs + ACK_MARGIN_MS);
      return ack.appendedAt === null || ack.appendedAt <= deadline;
    } catch {
      return false;
    }
  }

  connect(clientId: string, presence: PresenceMode, { connection, resumable, at }: ConnectionInfo): Promise<PublishAck> {
    const record: WsInRecord = { kind: 'connect', clientId, gateway: this.options.gateway, at, presence, connection, resumable };
    return this.publish(PRESENCE_KEY, record, this.options.publishTimeoutMs);
  }

  /** A client presented a valid resume token on `connection`: the presence owner answers on ws-out. */
  resume(clientId: string, connection: string, presence: PresenceMode): Promise<PublishAck> {
    const record: WsInRecord = { kind: 'resume', clientId, gateway: this.options.gateway, connection, at: Date.now(), presence };
    return this.publish(PRESENCE_KEY, record, this.options.publishTimeoutMs);
  }

  /**
   * Published now, or kept and published again with each heartbeat until it lands; never rejects.
   * `reserve`: the end was not the client's choice, so a resumable client keeps its id for a while.
   */
  async disconnect(clientId: string, code: number, { connection, reserve, position }: { connection: string; reserve: boolean; position: string | undefined }): Promise<void> {
    const record: WsInRecord = {
      kind: 'disconnect',
      clientId,
      gateway: this.options.gateway,
      at: Date.now(),
      code,
      connection,
      reserve,
      ...(position === undefined ? {} : { position }),
    };
    try {
      await this.publish(PRESENCE_KEY, record);
    } catch {
      if (this.pendingDisconnects.size < MAX_PENDING_DISCONNECTS) this.pendingDisconnects.set(connection, record);
      else this.options.log.error('disconnect dropped: too many waiting for the bus', { clientId });
    }
  }

  /** Tells the cluster the gateway lives, and sends the disconnects an outage held back. */
  async heartbeat(): Promise<void> {
    const heartbeat: WsInRecord = { kind: 'gateway-heartbeat', gateway: this.options.gateway, at: Date.now(), position: this.options.position() };
    await this.publish(PRESENCE_KEY, heartbeat, this.options.publishTimeoutMs);
    if (this.pendingDisconnects.size === 0) return;
    const held = [...this.pendingDisconnects.values()];
    await this.options.bus.publish(this.options.topic, held.map((r) => ({ key: PRESENCE_KEY, value: encodeRecord(r) })));
    for (const r of held) if (r.kind === 'disconnect') this.pendingDisconnects.delete(r.connection ?? r.clientId);
  }

  /** The gateway stopped cleanly, after announcing its clients' disconnects. */
  async down(): Promise<void> {
    await this.publish(PRESENCE_KEY, { kind: 'gateway-down', gateway: this.options.gateway, at: Date.now() });
  }

  private async publish(key: string, record: WsInRecord, timeoutMs?: number): Promise<PublishAck> {
    try {
      const ack = await this.options.bus.publish(this.options.topic, [{ key, value: encodeRecord(record) }], timeoutMs === undefined ? {} : { timeoutMs });
      this.available = true;
      return ack;
    } catch (err) {
      if (this.available) this.options.log.warn('the message bus is not taking records', { err });
      this.available = false;
      throw err;
    }
  }
}
