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
  /** Tallies for metrics, added to the process's counters once the batch is produced. */
  deliveries = 0;
  kicks = 0;
  readonly errorCodes = new Map<string, number>();
  private source = '';
  private n = 0;

  /** Outputs from here on are caused by this input record. */
  from(partition: number, offset: string): void {
    this.source = `${partition}-${offset}`;
    this.n = 0;
  }

  /** The input record being processed, as `<partition>-<offset>`. */
  get position(): string {
    return this.source;
  }

  nextId(): string {
    this.n += 1;
    return `${this.source}-${this.n}`;
  }

  deliver(key: string, target: Target, frame: ServerFrame, id = this.nextId()): void {
    this.deliveries += 1;
    if (frame.type === 'error') this.errorCodes.set(frame.code, (this.errorCodes.get(frame.code) ?? 0) + 1);
    this.command(key, { kind: 'deliver', id, target, frame: JSON.stringify(frame) });
  }

  kick(key: string, target: Target, frame: ServerFrame): void {
    this.kicks += 1;
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
