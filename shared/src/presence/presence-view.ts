import type { Batch, Bus, Subscription } from '../bus/bus.js';
import { CmfError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeRecord } from '../protocol/codec.js';
import {
  PresenceRecordSchema,
  type ClientPresence,
  type DepartedPresence,
  type EndedPresence,
  type GatewayPresence,
  type PresenceClock,
  type PresenceRecord,
} from '../protocol/records.js';
import { unreachable } from '../unreachable.js';

interface Waiter {
  ends: Map<number, bigint>;
  resolve: () => void;
}

/**
 * Who is connected where, read from the compacted presence topic. Every process that needs
 * presence keeps one; `sync()` gives read-your-writes: it resolves once everything the broker
 * had acknowledged when it was called has been applied.
 */
export class PresenceView {
  private readonly clientsById = new Map<string, ClientPresence>();
  private readonly gatewaysById = new Map<string, GatewayPresence>();
  private readonly departedById = new Map<string, DepartedPresence>();
  /** Clients in their grace period: an index, so expiring them never walks every client. */
  private readonly awayById = new Map<string, ClientPresence>();
  private readonly endedById = new Map<string, EndedPresence>();
  private clockRecord: PresenceClock | undefined;
  private readonly next = new Map<number, bigint>();
  private waiters: Waiter[] = [];
  private subscription: Subscription | undefined;

  private constructor(
    private readonly bus: Bus,
    private readonly topic: string,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the view holds everything the topic had when it started. */
  static async start(bus: Bus, topic: string, logger: Logger): Promise<PresenceView> {
    const view = new PresenceView(bus, topic, logger);
    view.subscription = await bus.subscribe({ topic, fromBeginning: true, onBatch: async (b) => view.apply(b) });
    await view.sync();
    return view;
  }

  client(id: string): ClientPresence | undefined {
    return this.clientsById.get(id);
  }

  /** Connected clients in the order their connects were processed: oldest first. */
  clients(): IterableIterator<ClientPresence> {
    return this.clientsById.values();
  }

  /** Clients whose connection ended abnormally and whose id is still reserved (see ClientPresenceSchema). */
  away(): IterableIterator<ClientPresence> {
    return this.awayById.values();
  }

  /** A client announced gone that may still resume (see EndedPresenceSchema). */
  ended(id: string): EndedPresence | undefined {
    return this.endedById.get(id);
  }

  endedSessions(): IterableIterator<EndedPresence> {
    return this.endedById.values();
  }

  /** The presence owner's state (see PresenceClockSchema), once one was written. */
  clock(): PresenceClock | undefined {
    return this.clockRecord;
  }

  gateways(): GatewayPresence[] {
    return [...this.gatewaysById.values()];
  }

  /** Clients removed by the latest presence batches (see DepartedPresenceSchema). */
  departed(): DepartedPresence[] {
    return [...this.departedById.values()];
  }

  get size(): number {
    return this.clientsById.size;
  }

  /** The client, looking again after a sync when it is not known yet (it may have just connected). */
  async find(id: string): Promise<ClientPresence | undefined> {
    const known = this.clientsById.get(id);
    if (known) return known;
    await this.sync();
    return this.clientsById.get(id);
  }

  async sync(timeoutMs = 10_000): Promise<void> {
    const ends = new Map([...(await this.bus.endOffsets(this.topic))].map(([p, o]) => [p, BigInt(o)]));
    if (this.caughtUp(ends)) return;
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { ends, resolve };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new CmfError('timeout', `presence view did not catch up with ${this.topic} in ${timeoutMs} ms`));
      }, timeoutMs);
      waiter.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }

  private apply(batch: Batch): void {
    for (const record of batch.records) {
      const key = record.key ?? '';
      if (record.value === null || record.value.length === 0) {
        const [kind, id = ''] = splitKey(key);
        if (kind === 'client') {
          this.clientsById.delete(id);
          this.awayById.delete(id);
        } else if (kind === 'ended') this.endedById.delete(id);
        else if (kind === 'gateway') this.gatewaysById.delete(id);
        else if (kind === 'departed') this.departedById.delete(id);
        else if (kind === 'clock') this.clockRecord = undefined;
      } else {
        try {
          this.store(decodeRecord(PresenceRecordSchema, record.value));
        } catch (err) {
          this.logger.warn('skipping bad presence record', { key, offset: record.offset, err });
        }
      }
      this.next.set(batch.partition, BigInt(record.offset) + 1n);
    }
    this.waiters = this.waiters.filter((w) => {
      if (!this.caughtUp(w.ends)) return true;
      w.resolve();
      return false;
    });
  }

  private store(value: PresenceRecord): void {
    switch (value.kind) {
      case 'client':
        this.clientsById.set(value.clientId, value);
        if (value.away) this.awayById.set(value.clientId, value);
        else this.awayById.delete(value.clientId);
        return;
      case 'ended':
        this.endedById.set(value.clientId, value);
        return;
      case 'gateway':
        this.gatewaysById.set(value.gateway, value);
        return;
      case 'departed':
        this.departedById.set(value.clientId, value);
        return;
      case 'clock':
        this.clockRecord = value;
        return;
      default:
        unreachable(value);
    }
  }

  private caughtUp(ends: Map<number, bigint>): boolean {
    for (const [partition, end] of ends) if ((this.next.get(partition) ?? 0n) < end) return false;
    return true;
  }
}

/** `client:<id>` → ['client', '<id>']; ids may contain ':' themselves. */
function splitKey(key: string): [string, string | undefined] {
  const at = key.indexOf(':');
  return at < 0 ? [key, undefined] : [key.slice(0, at), key.slice(at + 1)];
}
