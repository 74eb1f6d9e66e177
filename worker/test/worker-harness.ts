/**
 * A worker alone on the memory bus: tests write ws-in records and read what it produces.
 */
import {
  CmfError,
  commandOf,
  createLogger,
  decodeCommand,
  encodeRecord,
  loadConfig,
  MemoryBus,
  ServerFrameSchema,
  topicSpecs,
  wsInKey,
  type Config,
  type OutgoingRecord,
  type PublishAck,
  type PublishOptions,
  type ServerFrame,
  type Target,
  type WsInRecord,
  type WsOutRecord,
} from '@cmf/shared';
import { createWorker, type Worker } from '@cmf/worker';
import { Collector } from '../../test/support/collector.js';

/**
 * A MemoryBus whose next publish to one topic can be made to fail, before or after it lands, and
 * which can go down: publishes then wait, in order, and land when it is back, unless their
 * timeout expires first (as on Kafka, through the produce pipeline).
 */
export class FlakyBus extends MemoryBus {
  private failures: { topic: string; landed: boolean }[] = [];
  private outage: Promise<void> | undefined;
  private endOutage: (() => void) | undefined;

  down(): void {
    this.outage = new Promise((resolve) => (this.endOutage = resolve));
  }

  up(): void {
    this.endOutage?.();
    this.outage = undefined;
  }

  /** The next non-empty publish to `topic` rejects; with `landed` the records are published first. */
  failNextPublish(topic: string, landed: boolean): void {
    this.failures.push({ topic, landed });
  }

  private poison: { topic: string; marker: string; error: CmfError } | undefined;
  refusals = 0;

  /** Every publish to `topic` of records holding `marker` fails with `error`, as a broker refuses a record it can never take. */
  refuse(topic: string, marker: string, error: CmfError): void {
    this.poison = { topic, marker, error };
  }

  override async publish(topic: string, records: OutgoingRecord[], options: PublishOptions = {}): Promise<PublishAck> {
    if (this.poison?.topic === topic && records.some((r) => r.value?.includes(this.poison!.marker))) {
      this.refusals += 1;
      throw this.poison.error;
    }
    if (this.outage) {
      const expired = new Promise<'expired'>((resolve) => options.timeoutMs !== undefined && setTimeout(() => resolve('expired'), options.timeoutMs));
      if ((await Promise.race([this.outage, expired])) === 'expired') throw new CmfError('bus-unavailable', 'not acknowledged in time');
    }
    const i = this.failures.findIndex((f) => f.topic === topic);
    if (i >= 0 && records.length > 0) {
      const [failure] = this.failures.splice(i, 1);
      if (failure!.landed) await super.publish(topic, records);
      throw new CmfError('bus-unavailable', 'broker hiccup');
    }
    return super.publish(topic, records);
  }
}

/** A ws-out command as a gateway sees it, with its frame parsed (and checked against the schema). */
export interface Command {
  key: string | null;
  kind: WsOutRecord['kind'];
  id: string;
  target?: Target;
  frame?: ServerFrame;
  gateway?: string;
  clientId?: string;
  connection?: string;
  drop?: string;
  reason?: string;
}

/** The stream position a gateway adds to a replayable frame: the worker never renders one. */
export const STAMP = '42';

export const toCommand = (key: string | null, value: string | null): Command => {
  const record = commandOf(decodeCommand(Buffer.from(value ?? '')));
  if (record.kind !== 'deliver' && record.kind !== 'kick') return { key, ...record };
  const rendered = JSON.parse(record.frame) as Record<string, unknown>;
  if ('id' in rendered) throw new Error(`a worker rendered an id: ${record.frame}`);
  // What a client receives must pass the schema once the gateway stamped it; tests see the rendering.
  ServerFrameSchema.parse(record.kind === 'kick' || record.replayable ? { ...rendered, id: STAMP } : rendered);
  return { key, ...record, frame: rendered as ServerFrame };
};

export const BASE_ENV = {
  KAFKA_IN_PARTITIONS: '4',
  KAFKA_OUT_PARTITIONS: '3',
  // Small, so the worker's own ticks run during the tests; they carry the real time, which stays
  // far inside GATEWAY_TIMEOUT_MS of T: only records stamped later than T + timeout expire anything.
  GATEWAY_HEARTBEAT_MS: '20',
  GATEWAY_TIMEOUT_MS: '60000',
  // Notices go out with the first record at least this long after the last ones: most tests look
  // at what is announced, not when (the tests of coalescing set their own).
  PRESENCE_LIST_INTERVAL_MS: '1',
  LOG_LEVEL: 'silent',
};

export const T = Date.now();

/** A worker's ticks, one a second: the log of a cluster that runs, as opposed to one that stalled. */
export const ticksBetween = (from: number, to: number): WsInRecord[] =>
  Array.from({ length: Math.floor((to - from) / 1000) }, (_, i) => ({ kind: 'tick', at: from + (i + 1) * 1000 }));
export const logger = createLogger('silent');

export interface Harness {
  bus: FlakyBus;
  config: Config;
  worker: Worker;
  out: Collector;
  presence: Collector;
  dead: Collector;
  commands(): Command[];
  /** Publishes ws-in records with the key a gateway would give them, in one publish. */
  send(...records: WsInRecord[]): Promise<void>;
  /** A frame from `clientId`, as its gateway relays it. */
  frame(clientId: string, data: unknown, receivedAt?: number): Promise<void>;
  /** Connects a client and waits until it is announced. */
  connect(clientId: string, gateway?: string, at?: number): Promise<void>;
  /** Waits for a command matching `match`, and returns it. */
  waitFor(match: (c: Command) => boolean, timeoutMs?: number): Promise<Command>;
}

const open: Harness[] = [];

export async function setup(env: Record<string, string> = {}): Promise<Harness> {
  const config = loadConfig({ ...BASE_ENV, ...env });
  const bus = new FlakyBus();
  await bus.ensureTopics(topicSpecs(config));
  const out = new Collector();
  const presence = new Collector();
  const dead = new Collector();
  await bus.subscribe({ topic: config.topics.out, onBatch: out.onBatch });
  await bus.subscribe({ topic: config.topics.presence, onBatch: presence.onBatch });
  await bus.subscribe({ topic: config.topics.deadLetter, onBatch: dead.onBatch });
  const worker = await createWorker({ bus, config, logger });
  const commands = (): Command[] => out.received.map((r) => toCommand(r.key, r.value));
  const send = async (...records: WsInRecord[]): Promise<void> => {
    await bus.publish(
      config.topics.in,
      records.map((r) => ({ key: wsInKey(r), value: encodeRecord(r) })),
    );
  };
  const waitFor = async (match: (c: Command) => boolean, timeoutMs?: number): Promise<Command> => {
    await out.until(() => commands().some(match), timeoutMs);
    return commands().find(match)!;
  };
  const h: Harness = {
    bus,
    config,
    worker,
    out,
    presence,
    dead,
    commands,
    send,
    waitFor,
    frame: (clientId, data, receivedAt = T) =>
      send({ kind: 'frame', clientId, gateway: 'g1', receivedAt, data: typeof data === 'string' ? data : JSON.stringify(data) }),
    connect: async (clientId, gateway = 'g1', at = T) => {
      await send({ kind: 'connect', clientId, gateway, at });
      await waitFor((c) => c.frame?.type === 'client-connected' && c.frame.clientId === clientId);
    },
  };
  open.push(h);
  return h;
}

/** Closes every harness set up so far: call it after each test. */
export async function closeHarnesses(): Promise<void> {
  for (const h of open.splice(0)) {
    await h.worker.close();
    await h.bus.close();
  }
}

export const isFrame =
  (type: ServerFrame['type'], fields: Record<string, unknown> = {}) =>
  (c: Command): boolean =>
    c.frame?.type === type && Object.entries(fields).every(([k, v]) => (c.frame as Record<string, unknown>)[k] === v);

export const connectedNotice = (id: string) => isFrame('client-connected', { clientId: id });
export const disconnectedNotice = (id: string) => isFrame('client-disconnected', { clientId: id });
