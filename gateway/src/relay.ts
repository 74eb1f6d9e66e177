import { encodeRecord, PRESENCE_KEY, type Bus, type FrameAuth, type FrameRecord, type WsInRecord } from '@cmf/shared';

/** The gateway's only way into ws-in: client frames keyed by client, presence events by PRESENCE_KEY. */
export class Relay {
  constructor(
    private readonly bus: Bus,
    private readonly topic: string,
    private readonly gateway: string,
  ) {}

  /** A client's frame as received, with who sent it when the connection authenticated; the gateway never parses it. */
  frame(clientId: string, data: string, auth?: FrameAuth): Promise<void> {
    const record: FrameRecord = { kind: 'frame', clientId, gateway: this.gateway, receivedAt: Date.now(), data };
    if (auth) record.auth = auth;
    return this.publish(clientId, record);
  }

  connect(clientId: string): Promise<void> {
    return this.publish(PRESENCE_KEY, { kind: 'connect', clientId, gateway: this.gateway, at: Date.now() });
  }

  disconnect(clientId: string, code: number): Promise<void> {
    return this.publish(PRESENCE_KEY, { kind: 'disconnect', clientId, gateway: this.gateway, at: Date.now(), code });
  }

  heartbeat(): Promise<void> {
    return this.publish(PRESENCE_KEY, { kind: 'gateway-heartbeat', gateway: this.gateway, at: Date.now() });
  }

  /** The gateway stopped cleanly, after announcing its clients' disconnects. */
  down(): Promise<void> {
    return this.publish(PRESENCE_KEY, { kind: 'gateway-down', gateway: this.gateway, at: Date.now() });
  }

  private publish(key: string, record: WsInRecord): Promise<void> {
    return this.bus.publish(this.topic, [{ key, value: encodeRecord(record) }]);
  }
}
