import { join } from 'node:path';
import { SERVER_STOP_GRACE_MS, freePort, httpOk, sleep, startProcess, stopProcess, waitUntil, type Started } from '../processes.js';
import { cmfRoundTrip } from './round-trip.js';
import type { RunningServer, ServerContext } from './server.js';

const READY_TIMEOUT_MS = 90_000;

function cmfEnv(ctx: ServerContext, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...extra, ...ctx.cmfEnv };
}

async function ready(name: string, port: number, procs: Started[]): Promise<void> {
  const alive = (): boolean => procs.every((p) => p.child.exitCode === null && p.child.signalCode === null);
  try {
    await waitUntil(`${name} /ready`, () => httpOk(`http://127.0.0.1:${port}/ready`), { timeoutMs: READY_TIMEOUT_MS, alive });
    await waitUntil(`${name} round trip`, () => cmfRoundTrip(`ws://127.0.0.1:${port}/`), { timeoutMs: READY_TIMEOUT_MS, alive });
  } catch (err) {
    await Promise.all(procs.map((p) => stopProcess(p, 2000)));
    const tails = procs.map((p) => `${p.label}: ${p.stderrTail()}`).join('\n');
    throw new Error(`${(err as Error).message}\n${tails}`);
  }
}

/** `npm start`'s server: gateway, worker and admin API in one process, on the memory bus. */
export async function startCmfMemory(ctx: ServerContext): Promise<RunningServer> {
  const port = await freePort();
  const server = startProcess('cmf-memory', process.execPath, [...ctx.cmfNodeArgs, join(ctx.root, 'all-in-one/dist/main.js')], {
    cpus: ctx.serverCpus,
    env: cmfEnv(ctx, port, { KAFKA_BROKERS: '' }),
  });
  await ready('cmf-memory', port, [server]);
  return {
    url: `ws://127.0.0.1:${port}/${ctx.cmfQuery}`,
    protocol: 'cmf',
    healthUrl: `http://127.0.0.1:${port}/health`,
    processes: { server: [server.pid] },
    stop: () => stopProcess(server, SERVER_STOP_GRACE_MS),
  };
}

const KAFKA_START_ATTEMPTS = 5;
const KAFKA_RETRY_DELAY_MS = 3000;

/**
 * A gateway (pinned like every server) and a worker on the run's broker, with topics and
 * groups of their own. The worker and the broker are not pinned: they share both cores.
 * A worker that starts right after creating its topics may fail on a partition whose leader
 * is not elected yet; it is started again on the same topics after a pause, and said so.
 */
export async function startCmfKafka(ctx: ServerContext): Promise<RunningServer> {
  const broker = await ctx.kafka();
  const prefix = `bench${ctx.instance}-${Date.now().toString(36)}`;
  const kafkaEnv = {
    KAFKA_BROKERS: broker.brokers,
    KAFKA_TOPIC_IN: `${prefix}-in`,
    KAFKA_TOPIC_OUT: `${prefix}-out`,
    KAFKA_TOPIC_PRESENCE: `${prefix}-presence`,
    KAFKA_TOPIC_DEAD_LETTER: `${prefix}-dead-letter`,
    WORKER_GROUP_ID: `${prefix}-worker`,
    GATEWAY_GROUP_PREFIX: `${prefix}-gateway`,
  };
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCmfKafkaOnce(ctx, kafkaEnv, broker.pid);
    } catch (err) {
      if (attempt >= KAFKA_START_ATTEMPTS) throw err;
      const lines = (err as Error).message.split('\n').filter(Boolean);
      process.stderr.write(`bench: cmf-kafka did not start (attempt ${attempt}): ${lines[0]} … ${lines[lines.length - 1]}; retrying\n`);
      await sleep(KAFKA_RETRY_DELAY_MS);
    }
  }
}

async function startCmfKafkaOnce(ctx: ServerContext, kafkaEnv: Record<string, string>, brokerPid: number): Promise<RunningServer> {
  const [workerPort, gatewayPort] = [await freePort(), await freePort()];
  // The worker first: it creates the topics.
  const worker = startProcess('cmf worker', process.execPath, [...ctx.cmfNodeArgs, join(ctx.root, 'worker/dist/main.js')], {
    env: cmfEnv(ctx, workerPort, kafkaEnv),
  });
  try {
    await waitUntil('cmf worker /ready', () => httpOk(`http://127.0.0.1:${workerPort}/ready`), {
      timeoutMs: READY_TIMEOUT_MS,
      alive: () => worker.child.exitCode === null,
    });
  } catch (err) {
    await stopProcess(worker, SERVER_STOP_GRACE_MS);
    throw new Error(`${(err as Error).message}\n${worker.stderrTail()}`);
  }
  const gateway = startProcess('cmf gateway', process.execPath, [...ctx.cmfNodeArgs, join(ctx.root, 'gateway/dist/main.js')], {
    cpus: ctx.serverCpus,
    env: cmfEnv(ctx, gatewayPort, kafkaEnv),
  });
  try {
    await ready('cmf-kafka', gatewayPort, [gateway, worker]);
  } catch (err) {
    await stopProcess(worker, SERVER_STOP_GRACE_MS);
    throw err;
  }
  return {
    url: `ws://127.0.0.1:${gatewayPort}/${ctx.cmfQuery}`,
    protocol: 'cmf',
    healthUrl: `http://127.0.0.1:${gatewayPort}/health`,
    processes: { server: [gateway.pid], worker: [worker.pid], broker: [brokerPid] },
    async stop() {
      await stopProcess(gateway, SERVER_STOP_GRACE_MS);
      await stopProcess(worker, SERVER_STOP_GRACE_MS);
    },
  };
}
