import {
  encodeCommand,
  encodeRecord,
  PRESENCE_KEY,
  type OutgoingRecord,
  type Target,
  type UnstampedFrame,
  type WsOutRecord,
} from '@cmf/shared';

/**
 * Everything processing one batch produces, gathered before anything is published (publish-outputs.ts
 * says in which order, and why).
 */
export class Outputs {
  readonly out: OutgoingRecord[] = [];
  readonly presence: OutgoingRecord[] = [];
  readonly deadLetters: OutgoingRecord[] = [];
  /** Tallies for metrics, added to the process's counters once the batch is produced. */
  deliveries = 0;
  kicks = 0;
  /** Frames dropped because they reached Kafka after their deadline. */
  expiredFrames = 0;
  readonly errorCodes = new Map<string, number>();

  /** What the input record at `source` (`<partition>-<offset>`) causes. */
  from(source: string): Emitter {
    return new Emitter(this, source);
  }

  setPresence(key: string, value: object | null): void {
    this.presence.push({ key, value: value === null ? null : encodeRecord(value) });
  }

  deadLetter(key: string, value: object): void {
    this.deadLetters.push({ key, value: encodeRecord(value) });
  }

  command(key: string, command: WsOutRecord): void {
    if (command.kind === 'deliver') this.deliveries += 1;
    if (command.kind === 'kick') this.kicks += 1;
    this.out.push({ key, value: encodeCommand(command) });
  }

  countError(code: string): void {
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }
}

/**
 * The commands one input record causes. Their ids derive from the record's position, so a batch
 * processed twice (after a crash, before its commit) yields the same ids and gateways drop the repeats.
 */
export class Emitter {
  private n = 0;

  constructor(
    private readonly outputs: Outputs,
    readonly source: string,
  ) {}

  nextId(): string {
    this.n += 1;
    return `${this.source}-${this.n}`;
  }

  /** Every frame but an error is part of the stream a client may resume: the gateway stamps its `id`. */
  deliver(key: string, target: Target, frame: UnstampedFrame, id = this.nextId()): void {
    if (frame.type === 'error') {
      this.outputs.countError(frame.code);
      this.outputs.command(key, { kind: 'deliver', id, target, frame: JSON.stringify(frame) });
      return;
    }
    this.outputs.command(key, { kind: 'deliver', id, target, frame: JSON.stringify(frame), replayable: true });
  }

  kick(key: string, target: Target, frame: UnstampedFrame): void {
    this.outputs.command(key, { kind: 'kick', id: this.nextId(), target, frame: JSON.stringify(frame) });
  }

  gatewayExpired(gateway: string, lastSeen: number): void {
    this.outputs.command(PRESENCE_KEY, { kind: 'gateway-expired', id: this.nextId(), gateway, lastSeen });
  }

  /** Ids from the resume record's own position: a retried batch repeats them exactly. */
  resumed(clientId: string, gateway: string, connection: string, drop: string | undefined): void {
    const command: WsOutRecord = { kind: 'resumed', id: `${this.source}-resumed`, clientId, gateway, connection, ...(drop ? { drop } : {}) };
    this.outputs.command(PRESENCE_KEY, command);
  }

  resumeRefused(gateway: string, connection: string, reason: string): void {
    this.outputs.command(PRESENCE_KEY, { kind: 'resume-refused', id: `${this.source}-refused`, gateway, connection, reason });
  }
}
