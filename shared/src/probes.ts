import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Bus } from './bus/bus.js';
import type { Config } from './config.js';
import { sendJson } from './send-json.js';

export const ComponentSchema = z.enum(['gateway', 'worker', 'admin-api', 'all-in-one']);
export type Component = z.infer<typeof ComponentSchema>;

/** `not-configured` on the in-memory bus, where there is no Kafka to ask. */
export const KafkaStateSchema = z.enum(['connected', 'disconnected', 'not-configured']);
export type KafkaState = z.infer<typeof KafkaStateSchema>;

/** GET /health on every component: the original server's four fields, then ours. */
export const HealthSchema = z.object({
  status: z.enum(['healthy', 'degraded']),
  timestamp: z.iso.datetime(),
  /** A gateway's own sockets; elsewhere, every client of the cluster (the presence view). */
  clients: z.number().int().nonnegative(),
  kafka: KafkaStateSchema,
  component: ComponentSchema,
  /** The gateway's id, where the process runs one. */
  gateway: z.string().optional(),
});
export type Health = z.infer<typeof HealthSchema>;

/** GET /ready: 200 with `{"ready":true}`, or 503 with `{"ready":false}`. */
export const ReadinessSchema = z.object({ ready: z.boolean() });

export interface Probes {
  health(): Promise<Health>;
  /** The component is serving and the bus answers. */
  ready(): Promise<boolean>;
}

export interface ProbeSource {
  bus: Bus;
  config: Config;
  component: Component;
  clients(): number;
  gateway?: string;
  /** The component's own readiness (accepting, joined its group); the bus is checked as well. */
  serving(): boolean;
}

/** One health shape and one readiness rule for every component. */
export function createProbes({ bus, config, component, clients, gateway, serving }: ProbeSource): Probes {
  const kafka = async (): Promise<KafkaState> => {
    if (config.brokers.length === 0) return 'not-configured';
    return (await bus.isConnected()) ? 'connected' : 'disconnected';
  };
  return {
    async health() {
      const state = await kafka();
      return {
        status: state === 'disconnected' ? 'degraded' : 'healthy',
        timestamp: new Date().toISOString(),
        clients: clients(),
        kafka: state,
        component,
        ...(gateway ? { gateway } : {}),
      };
    },
    async ready() {
      return serving() && (await bus.isConnected());
    },
  };
}

/** Serves GET /health and /ready on a plain node:http server; false when the request is for something else. */
export function serveProbes(probes: Probes, req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/health') {
    void probes.health().then((h) => sendJson(res, 200, h));
    return true;
  }
  if (path === '/ready') {
    void probes.ready().then((ready) => sendJson(res, ready ? 200 : 503, { ready }));
    return true;
  }
  return false;
}
