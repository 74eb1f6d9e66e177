import type { Server } from 'node:http';
import { createGateway, createGatewayServer, upgradeRules, type Gateway } from '@cmf/gateway';
import { createLogger, encodeCommand, listen, loadConfig, MemoryBus, Metrics, topicSpecs, type Config, type WsOutRecord } from '@cmf/shared';
import { createWorker, type Worker } from '@cmf/worker';

export interface MemoryGateway {
  gateway: Gateway;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Gateways and a worker in this process on one memory bus, sharing a RESUME_SECRET, with the
 * configured upgrade rules (JWT, origins): the cluster's behaviour without Kafka, for unit tests.
 */
export class MemoryCluster {
  readonly gateways: MemoryGateway[] = [];

  private constructor(
    readonly config: Config,
    readonly bus: MemoryBus,
    readonly worker: Worker,
  ) {}

  static async start(gateways: number, env: Record<string, string> = {}): Promise<MemoryCluster> {
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RESUME_SECRET: 'a-test-secret-of-at-least-32-chars', ...env });
    const bus = new MemoryBus({ maxBytes: config.MEMORY_BUS_MAX_BYTES, maxRetainedBytes: config.MEMORY_BUS_REPLAY_BYTES });
    await bus.ensureTopics(topicSpecs(config));
    const worker = await createWorker({ bus, config, logger: createLogger('silent') });
    const cluster = new MemoryCluster(config, bus, worker);
    for (let i = 0; i < gateways; i += 1) await cluster.addGateway();
    return cluster;
  }

  async addGateway(): Promise<MemoryGateway> {
    const metrics = new Metrics();
    const logger = createLogger('silent');
    const gateway = await createGateway({ bus: this.bus, config: this.config, logger, metrics, rules: upgradeRules(this.config, logger) });
    const server = createGatewayServer(gateway, metrics);
    const port = await listen(server, 0, '127.0.0.1');
    const entry: MemoryGateway = {
      gateway,
      server,
      url: `ws://127.0.0.1:${port}`,
      close: async () => {
        await gateway.close();
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
    this.gateways.push(entry);
    return entry;
  }

  /** Puts a command on ws-out as a worker would. */
  async command(command: WsOutRecord, key = 'test'): Promise<void> {
    await this.bus.publish(this.config.topics.out, [{ key, value: encodeCommand(command) }]);
  }

  async stop(): Promise<void> {
    for (const g of this.gateways.splice(0)) await g.close().catch(() => undefined);
    await this.worker.close();
    await this.bus.close();
  }
}
