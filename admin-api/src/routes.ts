import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  ADMIN_KEY,
  encodeRecord,
  type AdminCommand,
  type Bus,
  type Config,
  type Logger,
  type Metrics,
  type PresenceView,
  type Probes,
  withTimeout,
} from '@cmf/shared';
import type { KubernetesReport } from './kubernetes-status.js';
import { bodyProblem, sendProblem } from './problems.js';

export interface AdminDeps {
  bus: Bus;
  config: Config;
  logger: Logger;
  view: PresenceView;
  metrics: Metrics;
  /** /health and /ready of the process the app runs in (the admin API alone, or the all-in-one server). */
  probes: Probes;
  /** Reads the Kubernetes API; undefined when not running in Kubernetes. */
  cluster?: { read(): Promise<KubernetesReport> } | undefined;
}

export interface Route {
  method: 'get' | 'post';
  path: string;
  summary: string;
  /** Routes every caller may use, with or without ADMIN_TOKEN. */
  public?: boolean;
  handler(deps: AdminDeps, req: Request, res: Response): Promise<void>;
}

export const BroadcastBodySchema = z.object({ message: z.string() });

async function command(deps: AdminDeps, res: Response, cmd: AdminCommand, extra: object = {}): Promise<void> {
  const requestId = randomUUID();
  try {
    await deps.bus.publish(deps.config.topics.in, [
      { key: ADMIN_KEY, value: encodeRecord({ kind: 'admin', requestId, at: Date.now(), command: cmd }) },
    ]);
  } catch (err) {
    deps.logger.warn('admin command not published', { err });
    sendProblem(res, 503, { code: 'bus-unavailable', message: 'The message bus is unavailable; nothing was sent' });
    return;
  }
  res.status(202).json({ status: 'accepted', requestId, ...extra });
}


const LAG_TIMEOUT_MS = 3000;

/** The worker group's lag per partition of ws-in, or why it could not be read. */
async function workerLag(deps: AdminDeps): Promise<object> {
  const group = deps.config.WORKER_GROUP_ID;
  const topic = deps.config.topics.in;
  try {
    const partitions = await withTimeout(deps.bus.groupLag(group, topic), LAG_TIMEOUT_MS, 'Kafka');
    return { group, topic, total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
  } catch (err) {
    return { group, topic, error: err instanceof Error ? err.message : String(err) };
  }
}

/** The admin API, as data: Express routes and the OpenAPI document are both made from this list. */
export const routes: Route[] = [
  {
    method: 'get',
    path: '/health',
    summary: 'Liveness: status, time, connected clients and the real Kafka state',
    public: true,
    async handler(deps, _req, res) {
      res.json(await deps.probes.health());
    },
  },
  {
    method: 'get',
    path: '/ready',
    summary: 'Readiness: 200 when the process serves and the message bus answers, else 503',
    public: true,
    async handler(deps, _req, res) {
      const ready = await deps.probes.ready();
      res.status(ready ? 200 : 503).json({ ready });
    },
  },
  {
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics of this process (public, like the probes, so Prometheus can scrape it)',
    public: true,
    async handler(deps, _req, res) {
      const text = await deps.metrics.render();
      res.type(deps.metrics.contentType).send(text);
    },
  },
  {
    method: 'get',
    path: '/cluster',
    summary: "Where CMF runs: gateway pods, worker replicas, the KEDA ScaledObject, and the worker group's lag per partition",
    async handler(deps, _req, res) {
      const [kubernetes, lag] = await Promise.all([deps.cluster?.read(), workerLag(deps)]);
      if (!kubernetes) {
        res.json({ kubernetes: false, message: 'not running in Kubernetes', workerLag: lag });
        return;
      }
      res.json({ kubernetes: true, ...kubernetes, workerLag: lag });
    },
  },
  {
    method: 'get',
    path: '/clients',
    summary: 'Every connected client, on every gateway',
    async handler(deps, _req, res) {
      await deps.view.sync().catch((err: unknown) => deps.logger.warn('client list may be stale', { err }));
      const clients = [...deps.view.clients()].map((c) => ({
        id: c.clientId,
        gateway: c.gateway,
        connectedAt: new Date(c.connectedAt).toISOString(),
      }));
      res.json({ count: clients.length, clients });
    },
  },
  {
    method: 'post',
    path: '/clients/kick-all',
    summary: 'Disconnect every client on every gateway',
    async handler(deps, _req, res) {
      await command(deps, res, { type: 'kick-all' }, { clients: deps.view.size });
    },
  },
  {
    method: 'post',
    path: '/clients/:id/kick',
    summary: 'Disconnect one client; 404 when no such client is connected',
    async handler(deps, req, res) {
      const id = String(req.params.id);
      const found = await deps.view.find(id).catch(() => deps.view.client(id));
      if (!found) {
        sendProblem(res, 404, { code: 'not-found', message: `Client ${id} not found` });
        return;
      }
      await command(deps, res, { type: 'kick-one', targetId: id }, { clientId: id });
    },
  },
  {
    method: 'post',
    path: '/broadcast',
    summary: 'Send a message to every client, as a `kafka` frame from "server"',
    async handler(deps, req, res) {
      const parsed = BroadcastBodySchema.safeParse(req.body);
      if (!parsed.success) {
        sendProblem(res, 400, bodyProblem(parsed.error, req.body));
        return;
      }
      await command(deps, res, { type: 'broadcast', message: parsed.data.message });
    },
  },
];
