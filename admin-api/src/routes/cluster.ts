import { withTimeout } from '@cmf/shared';
import type { AdminDeps } from '../deps.js';
import { defineGet } from '../http/route.js';
import { ClusterSchema, type WorkerLag } from './schemas.js';

const LAG_TIMEOUT_MS = 3000;

/** The worker group's lag per partition of ws-in, or why it could not be read. */
async function workerLag(deps: AdminDeps): Promise<WorkerLag> {
  const group = deps.config.WORKER_GROUP_ID;
  const topic = deps.config.topics.in;
  try {
    const partitions = await withTimeout(deps.bus.groupLag(group, topic), LAG_TIMEOUT_MS, 'Kafka');
    return { group, topic, total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
  } catch (err) {
    return { group, topic, error: err instanceof Error ? err.message : String(err) };
  }
}

export const cluster = defineGet({
  method: 'get',
  path: '/cluster',
  summary: "Where CMF runs: gateway pods, worker replicas, the KEDA ScaledObject, and the worker group's lag per partition",
  access: 'admin',
  responses: {
    200: { description: 'What could be read; outside Kubernetes, the lag only', schema: ClusterSchema },
  },
  async handle({ deps }, reply) {
    const [kubernetes, lag] = await Promise.all([deps.cluster?.read(), workerLag(deps)]);
    if (!kubernetes) return reply(200, { kubernetes: false, message: 'not running in Kubernetes', workerLag: lag });
    return reply(200, { kubernetes: true, ...kubernetes, workerLag: lag });
  },
});
