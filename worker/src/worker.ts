import {
  ADMIN_KEY,
  decodeRecord,
  encodeRecord,
  PRESENCE_KEY,
  PresenceView,
  Texts,
  WsInRecordSchema,
  type AdminRecord,
  type Batch,
  type Bus,
  type Config,
  type Logger,
  Metrics,
  type Subscription,
  type WsInRecord,
} from '@cmf/shared';
import { handleFrame } from './handle-frame.js';
import { Outputs } from './outputs.js';
import { PresenceBatch } from './presence-batch.js';

export interface WorkerDeps {
  bus: Bus;
  config: Config;
  logger: Logger;
  /** Where the worker counts what it processes and produces; default: metrics of its own. */
  metrics?: Metrics;
}

export interface Worker {
  /** True once the worker has joined its consumer group. */
  readonly ready: boolean;
  /** Clients connected to the cluster, as the worker's presence view knows them. */
  readonly clientCount: number;
  close(): Promise<void>;
}

const isPresenceEvent = (r: WsInRecord): boolean => r.kind !== 'frame' && r.kind !== 'admin';

/**
 * Consumes ws-in in the shared worker group, runs the protocol's logic and produces commands to
 * ws-out. A batch's outputs are acknowledged before the batch is committed (at least once);
 * presence writes are acknowledged before the announcements that depend on them go out.
 */
export async function createWorker({ bus, config, logger, metrics = new Metrics() }: WorkerDeps): Promise<Worker> {
  const log = logger.child('worker');
  const view = await PresenceView.start(bus, config.topics.presence, log);
  let ready = false;

  const process = async (batch: Batch): Promise<void> => {
    const outputs = new Outputs();
    const records: { offset: string; record: WsInRecord }[] = [];
    for (const r of batch.records) {
      try {
        records.push({ offset: r.offset, record: decodeRecord(WsInRecordSchema, r.value ?? '') });
      } catch (err) {
        log.warn('dead-lettering a record that is not a ws-in record', { partition: batch.partition, offset: r.offset, err });
        outputs.deadLetters.push({
          key: r.key ?? '',
          value: encodeRecord({
            error: err instanceof Error ? err.message : String(err),
            source: { topic: batch.topic, partition: batch.partition, offset: r.offset, key: r.key },
            value: r.value?.toString('utf8') ?? null,
          }),
        });
      }
    }
    const presence = records.some((r) => isPresenceEvent(r.record))
      ? await PresenceBatch.begin(view, outputs, batch.partition, records[0]!.offset)
      : undefined;
    // In the presence partition the batch's own state is the truth: a client it removed is gone.
    const find = async (id: string) => (presence ? presence.client(id) : view.find(id));
    for (const { offset, record } of records) {
      outputs.from(batch.partition, offset);
      switch (record.kind) {
        case 'frame':
          await handleFrame(record, { outputs, find, allowClientKick: config.ALLOW_CLIENT_KICK });
          break;
        case 'admin':
          handleAdmin(record, outputs);
          break;
        case 'connect':
          presence!.connect(record.clientId, record.gateway, record.at);
          break;
        case 'disconnect':
          presence!.disconnect(record.clientId, record.at);
          break;
        case 'gateway-heartbeat':
          presence!.heartbeat(record.gateway, record.at);
          break;
        case 'gateway-down':
          presence!.gatewayDown(record.gateway, record.at);
          break;
        case 'tick':
          presence!.tick(record.at);
          break;
      }
    }
    presence?.finish(config.GATEWAY_TIMEOUT_MS);
    await bus.publish(config.topics.presence, outputs.presence);
    await Promise.all([
      bus.publish(config.topics.out, outputs.out),
      bus.publish(config.topics.deadLetter, outputs.deadLetters),
    ]);
    // Counted once the batch's outputs are acknowledged, so a retried batch counts once.
    metrics.records += batch.records.length;
    metrics.deliveries += outputs.deliveries;
    metrics.kickCommands += outputs.kicks;
    metrics.deadLetters += outputs.deadLetters.length;
    for (const [code, n] of outputs.errorCodes) metrics.countError('worker', code, n);
  };

  const subscription: Subscription = await bus.subscribe({
    topic: config.topics.in,
    group: config.WORKER_GROUP_ID,
    fromBeginning: true,
    onBatch: process,
  });
  ready = true;

  // Ticks keep gateway expiry moving when no gateway is left to heartbeat.
  const ticker = setInterval(() => {
    const tick: WsInRecord = { kind: 'tick', at: Date.now() };
    bus.publish(config.topics.in, [{ key: PRESENCE_KEY, value: encodeRecord(tick) }]).catch((err: unknown) => {
      log.warn('tick not published', { err });
    });
  }, config.GATEWAY_HEARTBEAT_MS);
  ticker.unref();

  return {
    get ready() {
      return ready;
    },
    get clientCount() {
      return view.size;
    },
    async close() {
      ready = false;
      clearInterval(ticker);
      await subscription.close();
      await view.close();
    },
  };
}

function handleAdmin(record: AdminRecord, outputs: Outputs): void {
  const { command } = record;
  switch (command.type) {
    case 'broadcast': {
      const id = outputs.nextId();
      outputs.deliver(ADMIN_KEY, { type: 'all' }, { type: 'kafka', from: 'server', message: command.message, timestamp: record.at, id }, id);
      return;
    }
    case 'kick-one':
      outputs.kick(ADMIN_KEY, { type: 'clients', ids: [command.targetId] }, { type: 'kicked', message: Texts.kickedOne });
      return;
    case 'kick-all':
      outputs.kick(ADMIN_KEY, { type: 'all' }, { type: 'kicked', message: Texts.kickedAll });
      return;
  }
}
