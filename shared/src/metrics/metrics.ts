import type { ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PartitionLag } from '../bus/bus.js';
import type { Component } from '../probes.js';
import { withTimeout } from '../with-timeout.js';

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
 * One process's Prometheus registry, served at /metrics. It holds what every component counts
 * (errors by code); each component adds its own counters with `part()`, so a process exports
 * only what it counts: a gateway has no worker counters, and the all-in-one server has all.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  private readonly parts = new Map<string, unknown>();
  private readonly errors = new Map<Component, Map<string, number>>();
  private readonly lagSources = new Set<LagSource>();
  private readonly lagTimeoutMs: number;
  private produceLatency: Histogram | undefined;

  constructor(options: MetricsOptions = {}) {
    this.lagTimeoutMs = options.lagTimeoutMs ?? 2000;
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const errors = this.errors;
    new Counter({
      name: 'cmf_errors_total',
      help: 'Errors answered to clients and callers, by component and error code',
      labelNames: ['component', 'code'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [component, codes] of errors) for (const [code, n] of codes) this.inc({ component, code }, n);
      },
    });
  }

  /** A component's own metrics, made and registered once per process however often it is asked for. */
  part<T>(name: string, create: (registry: Registry) => T): T {
    if (!this.parts.has(name)) this.parts.set(name, create(this.registry));
    return this.parts.get(name) as T;
  }

  /** Count `n` errors with this code (callers count per batch where they can). */
  countError(component: Component, code: string, n = 1): void {
    let codes = this.errors.get(component);
    if (!codes) this.errors.set(component, (codes = new Map()));
    codes.set(code, (codes.get(code) ?? 0) + n);
  }

  /** One produce request to Kafka took this long; only processes that produce to Kafka export it. */
  observeProduce(seconds: number): void {
    this.produceLatency ??= new Histogram({
      name: 'cmf_produce_latency_seconds',
      help: 'Time for one produce request to be acknowledged by the in-sync replicas',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.produceLatency.observe(seconds);
  }

  /** Export a consumer group's lag, read at scrape time. Returns the unregister function. */
  exportLag(source: LagSource): () => void {
    if (this.lagSources.size === 0 && !this.registry.getSingleMetric('cmf_consumer_lag')) this.registerLag();
    this.lagSources.add(source);
    return () => this.lagSources.delete(source);
  }

  /** The Prometheus text exposition of everything registered. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  private registerLag(): void {
    const { lagSources, lagTimeoutMs } = this;
    new Gauge({
      name: 'cmf_consumer_lag',
      help: 'Records not yet consumed by a consumer group, per partition (what KEDA scales the workers on)',
      labelNames: ['group', 'topic', 'partition'] as const,
      registers: [this.registry],
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
}

/**
 * A counter whose value is a plain number the hot path bumps (`counters.framesIn += 1`):
 * prom-client reads it at scrape time, so counting costs an addition and allocates nothing.
 */
export function tally(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** Like tally, for a counter with one label: `read` gives the count of each label value. */
export function tallyBy(registry: Registry, name: string, help: string, label: string, read: () => ReadonlyMap<string | number, number>): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, n] of read()) this.inc({ [label]: String(value) }, n);
    },
  });
}

/** A gauge whose value is read at scrape time. */
export function level(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** Answers a scrape on a plain node:http server. */
export function serveMetrics(metrics: Metrics, res: ServerResponse): void {
  metrics.render().then(
    (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
    (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
  );
}
