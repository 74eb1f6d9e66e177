import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PartitionLag } from './bus/bus.js';
import { withTimeout } from './with-timeout.js';

/** Who counted an error: the `component` label of `cmf_errors_total`. */
export type MetricsComponent = 'gateway' | 'worker' | 'admin-api';

export interface LagSource {
  group: string;
  topic: string;
  read(): Promise<PartitionLag[]>;
}

export interface MetricsOptions {
  /** Also export the process's CPU, memory, event-loop and GC metrics (the composition roots do). */
  processMetrics?: boolean;
  /** How long a scrape waits for consumer lag before it leaves the lag out. */
  lagTimeoutMs?: number;
}

/**
 * One process's Prometheus metrics, served at /metrics by every component (the all-in-one
 * server shares one between its parts). Hot paths bump plain numbers (`metrics.framesIn += n`)
 * and prom-client reads them at scrape time, so counting costs an addition and allocates nothing.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  /** Client connections accepted by gateways. */
  connectionsOpened = 0;
  /** Client frames gateways received and relayed to ws-in. */
  framesIn = 0;
  /** Frames gateways wrote to client sockets. */
  framesOut = 0;
  /** Sockets gateways closed because of a kick command. */
  kicks = 0;
  /** ws-in records workers processed. */
  records = 0;
  /** Deliver commands workers produced to ws-out (one per frame, whatever the number of recipients). */
  deliveries = 0;
  /** Kick commands workers produced. */
  kickCommands = 0;
  /** Records workers sent to the dead-letter topic. */
  deadLetters = 0;

  private readonly openConnections = new Set<() => number>();
  private readonly lagSources = new Set<LagSource>();
  private readonly errors = new Map<MetricsComponent, Map<string, number>>();
  private readonly produceLatency: Histogram;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    const lagTimeoutMs = options.lagTimeoutMs ?? 2000;
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });

    const tally = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    tally('cmf_gateway_connections_opened_total', 'WebSocket connections accepted', () => this.connectionsOpened);
    tally('cmf_gateway_frames_in_total', 'Client frames received and relayed to ws-in', () => this.framesIn);
    tally('cmf_gateway_frames_out_total', 'Frames written to client sockets', () => this.framesOut);
    tally('cmf_gateway_kicks_total', 'Sockets closed by a kick command', () => this.kicks);
    tally('cmf_worker_records_total', 'ws-in records processed', () => this.records);
    tally('cmf_worker_deliveries_total', 'Deliver commands produced to ws-out', () => this.deliveries);
    tally('cmf_worker_kicks_total', 'Kick commands produced to ws-out', () => this.kickCommands);
    tally('cmf_worker_dead_letters_total', 'Records sent to the dead-letter topic', () => this.deadLetters);

    const openConnections = this.openConnections;
    new Gauge({
      name: 'cmf_gateway_connections',
      help: 'WebSocket connections open now',
      registers,
      collect() {
        let open = 0;
        for (const count of openConnections) open += count();
        this.set(open);
      },
    });

    const errors = this.errors;
    new Counter({
      name: 'cmf_errors_total',
      help: 'Errors answered to clients and callers, by component and error code',
      labelNames: ['component', 'code'] as const,
      registers,
      collect() {
        this.reset();
        for (const [component, codes] of errors) for (const [code, n] of codes) this.inc({ component, code }, n);
      },
    });

    this.produceLatency = new Histogram({
      name: 'cmf_produce_latency_seconds',
      help: 'Time for one produce request to be acknowledged by the in-sync replicas',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });

    const lagSources = this.lagSources;
    new Gauge({
      name: 'cmf_consumer_lag',
      help: 'Records not yet consumed by a consumer group, per partition (what KEDA scales the workers on)',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          [...lagSources].map(async (source) => {
            const lag = await withTimeout(source.read(), lagTimeoutMs, 'consumer lag').catch(() => undefined);
            for (const p of lag ?? []) this.set({ group: source.group, topic: source.topic, partition: String(p.partition) }, p.lag);
          }),
        );
      },
    });
  }

  /** A gateway reports its open connections at scrape time. Returns the unregister function. */
  countConnections(read: () => number): () => void {
    this.openConnections.add(read);
    return () => this.openConnections.delete(read);
  }

  /** Export a consumer group's lag, read at scrape time. Returns the unregister function. */
  exportLag(source: LagSource): () => void {
    this.lagSources.add(source);
    return () => this.lagSources.delete(source);
  }

  /** Count `n` errors with this code (callers count per batch where they can). */
  countError(component: MetricsComponent, code: string, n = 1): void {
    let codes = this.errors.get(component);
    if (!codes) this.errors.set(component, (codes = new Map()));
    codes.set(code, (codes.get(code) ?? 0) + n);
  }

  /** One produce request took this long (called by the Kafka bus, once per request). */
  observeProduce(seconds: number): void {
    this.produceLatency.observe(seconds);
  }

  /** The Prometheus text exposition of everything above. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Answers a scrape on a plain node:http server. */
export function serveMetrics(metrics: Metrics, res: ServerResponse): void {
  metrics.render().then(
    (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
    (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
  );
}
