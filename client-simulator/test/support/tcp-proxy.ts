import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between the browser and a server, to cut connections the way a network does:
 * `dropAll()` destroys both sides without a close frame (the page sees 1006), and while
 * `refusing` every new connection is closed at once (a server that is not back yet).
 */
export class TcpProxy {
  refusing = false;
  private readonly pairs = new Set<[Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => {
      client.on('error', () => {});
      if (proxy.refusing) {
        client.destroy();
        return;
      }
      const upstream = connect(targetPort, '127.0.0.1');
      upstream.on('error', () => client.destroy());
      const pair: [Socket, Socket] = [client, upstream];
      proxy.pairs.add(pair);
      const end = (): void => {
        proxy.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    return proxy;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Connections open through the relay. */
  get open(): number {
    return this.pairs.size;
  }

  dropAll(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
