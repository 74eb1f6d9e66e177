import {
  isRetriable,
  PresenceView,
  type Batch,
  type Bus,
  type Config,
  type Logger,
  Metrics,
  type Subscription,
} from '@cmf/shared';
import type { Outputs } from './outputs.js';
import { isolatePoison } from './poison.js';
import type { PresencePolicy } from './presence-batch.js';
import { processBatch } from './process-batch.js';
import { startTicks, TICK_MS } from './ticks.js';
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
  const policy: PresencePolicy = {
    timeoutMs: config.GATEWAY_TIMEOUT_MS,
    fullListMax: config.PRESENCE_FULL_LIST_MAX,
    listIntervalMs: config.PRESENCE_LIST_INTERVAL_MS,
    noticeMax: config.PRESENCE_NOTICE_MAX,
    partialListMax: config.PRESENCE_PARTIAL_LIST_MAX,
    tickMs: TICK_MS,
    graceMs: config.RESUME_GRACE_MS,
    windowMs: config.RESUME_WINDOW_MS,
  };
  let ready = false;

  const run = async (batch: Batch): Promise<Outputs> => {
    const outputs = await processBatch(batch, { view, config, policy, log });
    await publishOutputs(bus, config.topics, outputs);
    return outputs;
  };

  const process = async (batch: Batch): Promise<void> => {
    try {
      counters.count(batch.records.length, [await run(batch)], metrics);
    } catch (err) {
      if (isRetriable(err) || batch.attempt < config.WORKER_MAX_ATTEMPTS) throw err;
      const deadLetter = (o: Outputs) => bus.publish(config.topics.deadLetter, o.deadLetters).then(() => undefined);
      counters.count(batch.records.length, await isolatePoison(batch, run, deadLetter, log, config.KAFKA_MAX_REQUEST_BYTES), metrics);
    }
  };

  const subscription: Subscription = await bus.subscribe({
    topic: config.topics.in,
    group: config.WORKER_GROUP_ID,
    fromBeginning: true,
    onBatch: process,
  });
  ready = true;

  const stopTicks = startTicks(bus, config.topics.in, log);

  return {
    get ready() {
      return ready;
    },
    get clientCount() {
      return view.size;
    },
    async close() {
      ready = false;
      stopTicks();
      await subscription.close();
      await view.close();
    },
  };
}
