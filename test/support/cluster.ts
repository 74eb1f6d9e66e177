import { randomUUID } from 'node:crypto';
import { eventually } from './eventually.js';
import { requireBrokers } from './kafka.js';
import { ServiceProcess } from './service-process.js';

export interface ClusterOptions {
  gateways?: number;
  workers?: number;
  admin?: boolean;
  env?: Record<string, string>;
}

/**
 * CMF as separate processes on a real broker, with topic and group names of its own so that
 * clusters never see each other's records.
 */
export class Cluster {
  readonly gateways: ServiceProcess[] = [];
  readonly workers: ServiceProcess[] = [];
  admin: ServiceProcess | undefined;

  private constructor(readonly env: Record<string, string>) {}

  static async start({ gateways = 2, workers = 2, admin = true, env = {} }: ClusterOptions = {}): Promise<Cluster> {
    const suffix = randomUUID().slice(0, 8);
    const cluster = new Cluster({
      // A test with a broker of its own passes it in env; the others share the run's.
      KAFKA_BROKERS: env.KAFKA_BROKERS ?? requireBrokers().join(','),
      KAFKA_TOPIC_IN: `ws-in-${suffix}`,
      KAFKA_TOPIC_OUT: `ws-out-${suffix}`,
      KAFKA_TOPIC_PRESENCE: `ws-presence-${suffix}`,
      KAFKA_TOPIC_DEAD_LETTER: `ws-dead-letter-${suffix}`,
      KAFKA_IN_PARTITIONS: '6',
      KAFKA_OUT_PARTITIONS: '3',
      WORKER_GROUP_ID: `cmf-worker-${suffix}`,
      GATEWAY_HEARTBEAT_MS: '1000',
      GATEWAY_TIMEOUT_MS: '6000',
      ...env,
    });
    try {
      // The first worker creates the topics; the rest start side by side.
      await cluster.addWorker();
      await Promise.all([
        ...Array.from({ length: workers - 1 }, () => cluster.addWorker()),
        ...Array.from({ length: gateways }, () => cluster.addGateway()),
        admin ? ServiceProcess.start('admin-api', cluster.env).then((a) => (cluster.admin = a)) : undefined,
      ]);
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  async addWorker(): Promise<ServiceProcess> {
    const worker = await ServiceProcess.start('worker', this.env);
    this.workers.push(worker);
    return worker;
  }

  async addGateway(): Promise<ServiceProcess> {
    const gateway = await ServiceProcess.start('gateway', this.env);
    this.gateways.push(gateway);
    return gateway;
  }

  /** How many clients the admin API lists. */
  async clientCount(): Promise<number> {
    if (!this.admin) throw new Error('this cluster has no admin API: start it with admin: true');
    return ((await (await fetch(`${this.admin.url}/clients`)).json()) as { count: number }).count;
  }

  /** Waits until the admin API lists no client: what a test starts from once the last one's clients are gone everywhere. */
  async untilEmpty(): Promise<void> {
    await eventually(async () => (await this.clientCount()) === 0, { what: "the cluster to forget the last test's clients" });
  }

  async stop(): Promise<void> {
    await Promise.all(this.gateways.map((g) => g.stop()));
    await Promise.all([...this.workers, ...(this.admin ? [this.admin] : [])].map((p) => p.stop()));
  }
}
