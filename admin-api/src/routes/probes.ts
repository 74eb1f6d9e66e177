import { z } from 'zod';
import { HealthSchema, ReadinessSchema } from '@cmf/shared';
import { defineGet } from '../http/route.js';

/** Public, with or without a token: orchestrators probe these. */
export const health = defineGet({
  method: 'get',
  path: '/health',
  summary: 'Liveness: status, time, connected clients and the real Kafka state',
  access: 'public',
  responses: { 200: { description: 'The process answers; `degraded` while Kafka is unreachable', schema: HealthSchema } },
  async handle({ deps }, reply) {
    return reply(200, await deps.probes.health());
  },
});

export const ready = defineGet({
  method: 'get',
  path: '/ready',
  summary: 'Readiness: 200 when the process serves and the message bus answers, else 503',
  access: 'public',
  responses: {
    200: { description: 'Ready: `{"ready":true}`', schema: ReadinessSchema },
    503: { description: 'Not ready: `{"ready":false}`', schema: ReadinessSchema },
  },
  async handle({ deps }, reply) {
    const isReady = await deps.probes.ready();
    return isReady ? reply(200, { ready: true }) : reply(503, { ready: false });
  },
});

/** Public, like the probes, so Prometheus can scrape it without the token. */
export const metrics = defineGet({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics of this process',
  access: 'public',
  responses: { 200: { description: 'Prometheus text exposition format', schema: z.string(), mediaType: 'text/plain' } },
  async handle({ deps }, reply) {
    return reply(200, await deps.metrics.render(), { 'content-type': deps.metrics.contentType });
  },
});
