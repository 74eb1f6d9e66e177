import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_STOP_GRACE_MS, freePort, httpOk, startProcess, stopProcess, waitUntil } from '../processes.js';
import type { RunningServer, ServerContext } from './server.js';

/**
 * Centrifugo's configuration for the benchmark: memory engine, anonymous clients without a
 * token (CMF, Socket.IO and the ws floor ask for no credentials either) allowed to subscribe
 * and publish to channels without a namespace. Everything else is its default: no history,
 * no presence, no join/leave messages, no compression.
 */
export function centrifugoConfig(port: number): object {
  return {
    http_server: { address: '127.0.0.1', port },
    log: { level: 'error' },
    engine: { type: 'memory' },
    client: { allow_anonymous_connect_without_token: true, allowed_origins: ['*'] },
    channel: {
      without_namespace: {
        allow_subscribe_for_client: true,
        allow_subscribe_for_anonymous: true,
        allow_publish_for_client: true,
        allow_publish_for_anonymous: true,
      },
    },
    health: { enabled: true },
    usage_stats: { disabled: true },
  };
}

export async function startCentrifugo(ctx: ServerContext): Promise<RunningServer> {
  const binary = ctx.tools.centrifugo;
  if (!binary) throw new Error('centrifugo was not built');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cmf-bench-centrifugo-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify(centrifugoConfig(port), null, 2));
  const server = startProcess('centrifugo', binary, ['-c', config], { cpus: ctx.serverCpus, cwd: dir });
  const cleanUp = async (): Promise<void> => {
    await stopProcess(server, SERVER_STOP_GRACE_MS);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil('centrifugo /health', () => httpOk(`http://127.0.0.1:${port}/health`), {
      timeoutMs: 30_000,
      alive: () => server.child.exitCode === null,
    });
  } catch (err) {
    const tail = server.stderrTail();
    await cleanUp();
    throw new Error(`${(err as Error).message}\n${tail}`);
  }
  return {
    url: `ws://127.0.0.1:${port}/connection/websocket`,
    protocol: 'centrifugo',
    processes: { server: [server.pid] },
    stop: cleanUp,
  };
}
