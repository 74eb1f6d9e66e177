import {
  encodeRecord,
  PRESENCE_KEY,
  type OutgoingRecord,
  type ServerFrame,
  type Target,
  type WsOutRecord,
} from '@cmf/shared';

/**
 * What processing one batch produces. Command ids derive from the input record's position, so a
 * batch processed twice (after a crash, before its commit) yields the same ids and gateways drop
 * the repeats.
 */
export class Outputs {
  readonly out: OutgoingRecord[] = [];
  readonly presence: OutgoingRecord[] = [];
  readonly deadLetters: OutgoingRecord[] = [];
  private source = '';
  private n = 0;

  /** Outputs from here on are caused by this input record. */
  from(partition: number, offset: string): void {
    this.source = `${partition}-${offset}`;
    this.n = 0;
  }

  nextId(): string {
    this.n += 1;
    return `${this.source}-${this.n}`;
  }

  deliver(key: string, target: Target, frame: ServerFrame, id = this.nextId()): void {
    this.command(key, { kind: 'deliver', id, target, frame: JSON.stringify(frame) });
  }

  kick(key: string, target: Target, frame: ServerFrame): void {
    this.command(key, { kind: 'kick', id: this.nextId(), target, frame: JSON.stringify(frame) });
  }

  gatewayExpired(gateway: string): void {
    this.command(PRESENCE_KEY, { kind: 'gateway-expired', id: this.nextId(), gateway });
  }

  setPresence(key: string, value: object | null): void {
    this.presence.push({ key, value: value === null ? null : encodeRecord(value) });
  }

  private command(key: string, command: WsOutRecord): void {
    this.out.push({ key, value: encodeRecord(command) });
  }
}
