import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Connections the kernel queues before they are accepted. Node's default (511) overflows in a
 * connect storm and the kernel drops SYNs, which clients retry only after 1, 3, 7 s: idle
 * seconds, not work. The kernel caps it at net.core.somaxconn.
 */
const BACKLOG = 8192;

/** Listen and resolve with the bound port (PORT=0 picks a free one). */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: BACKLOG }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stop accepting, and end idle keep-alive connections so close() does not wait on them. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
