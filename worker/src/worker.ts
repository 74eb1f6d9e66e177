import {
  encodeRecord,
  PRESENCE_KEY,
  PresenceView,
  type Batch,
  type Bus,
  type Config,
  type Logger,
  Metrics,
  type Subscription,
  type WsInRecord,
} from '@cmf/shared';
import { processBatch } from './process-batch.js';
import { publishOutputs } from './publish-outputs.js';
import { workerMetrics } from './worker-metrics.js';

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

/**
 * Consumes ws-in in the shared worker group, runs the protocol's logic (process-batch.ts) and
 * produces commands to ws-out (publish-outputs.ts). A batch is committed only once its outputs are
 * acknowledged: at least once.
 */
export async function createWorker({ bus, config, logger, metrics = new Metrics() }: WorkerDeps): Promise<Worker> {
  const log = logger.child('worker');
  const counters = workerMetrics(metrics);
  const view = await PresenceView.start(bus, config.topics.presence, log);
  let ready = false;

  const process = async (batch: Batch): Promise<void> => {
    const outputs = await processBatch(batch, { view, config, log });
    await publishOutputs(bus, config.topics, outputs);
    // Counted once the batch's outputs are acknowledged, so a retried batch counts once.
    counters.records += batch.records.length;
    counters.deliveries += outputs.deliveries;
    counters.kickCommands += outputs.kicks;
    counters.deadLetters += outputs.deadLetters.length;
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
