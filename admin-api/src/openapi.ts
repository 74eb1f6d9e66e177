import { routes } from './routes.js';

const problem = {
  description: 'Error',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
          },
        },
      },
    },
  },
};

const accepted = {
  description: 'Accepted: the command is on its way to the workers',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['status', 'requestId'],
        properties: { status: { const: 'accepted' }, requestId: { type: 'string' } },
      },
    },
  },
};

const ok = (schema: object) => ({ description: 'OK', content: { 'application/json': { schema } } });

const responses: Record<string, Record<string, object>> = {
  'get /health': {
    200: ok({
      type: 'object',
      required: ['status', 'timestamp', 'clients', 'kafka'],
      properties: {
        status: { enum: ['healthy', 'degraded'] },
        timestamp: { type: 'string', format: 'date-time' },
        clients: { type: 'integer' },
        kafka: { enum: ['connected', 'disconnected', 'not-configured'] },
      },
    }),
  },
  'get /ready': { 200: ok({ type: 'object', properties: { ready: { type: 'boolean' } } }), 503: ok({ type: 'object' }) },
  'get /clients': {
    200: ok({
      type: 'object',
      required: ['count', 'clients'],
      properties: {
        count: { type: 'integer' },
        clients: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'gateway', 'connectedAt'],
            properties: { id: { type: 'string' }, gateway: { type: 'string' }, connectedAt: { type: 'string', format: 'date-time' } },
          },
        },
      },
    }),
  },
  'get /metrics': {
    200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
  },
  'get /cluster': {
    200: ok({
      type: 'object',
      required: ['kubernetes', 'workerLag'],
      properties: {
        kubernetes: { type: 'boolean' },
        message: { type: 'string', description: 'Outside Kubernetes: "not running in Kubernetes"' },
        namespace: { type: 'string' },
        gateways: {
          type: ['object', 'null'],
          properties: {
            selector: { type: 'string' },
            total: { type: 'integer' },
            ready: { type: 'integer' },
            pods: {
              type: 'array',
              items: {
                type: 'object',
                properties: { name: { type: 'string' }, ready: { type: 'boolean' }, restarts: { type: 'integer' }, phase: { type: 'string' } },
              },
            },
          },
        },
        workers: {
          type: ['object', 'null'],
          properties: {
            deployment: { type: 'string' },
            replicas: { type: 'integer' },
            readyReplicas: { type: 'integer' },
            availableReplicas: { type: 'integer' },
          },
        },
        scaledObject: {
          type: ['object', 'null'],
          properties: {
            name: { type: 'string' },
            ready: { type: ['boolean', 'null'] },
            active: { type: ['boolean', 'null'] },
            paused: { type: 'boolean' },
            minReplicas: { type: 'integer' },
            maxReplicas: { type: 'integer' },
            currentReplicas: { type: ['integer', 'null'] },
            desiredReplicas: { type: ['integer', 'null'] },
          },
        },
        problems: {
          type: 'array',
          items: { type: 'object', properties: { part: { type: 'string' }, status: { type: ['integer', 'null'] }, message: { type: 'string' } } },
        },
        workerLag: {
          type: 'object',
          required: ['group', 'topic'],
          properties: {
            group: { type: 'string' },
            topic: { type: 'string' },
            total: { type: 'integer' },
            error: { type: 'string' },
            partitions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  partition: { type: 'integer' },
                  committed: { type: ['string', 'null'] },
                  end: { type: 'string' },
                  lag: { type: 'integer' },
                },
              },
            },
          },
        },
      },
    }),
  },
  'post /clients/kick-all': { 202: accepted },
  'post /clients/:id/kick': { 202: accepted, 404: problem },
  'post /broadcast': { 202: accepted, 400: problem, 413: problem },
};

/** The OpenAPI 3.1 document, made from the same route list Express serves. */
export function openApiDocument(): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    paths[path] = {
      ...paths[path],
      [route.method]: {
        summary: route.summary,
        ...(params.length > 0 ? { parameters: params } : {}),
        ...(route.path === '/broadcast'
          ? {
              requestBody: {
                required: true,
                content: {
                  'application/json': {
                    schema: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
                  },
                },
              },
            }
          : {}),
        ...(route.public ? { security: [] } : {}),
        responses: {
          ...responses[`${route.method} ${route.path}`],
          ...(route.public ? {} : { 401: problem }),
          503: problem,
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'CMF admin API', version: '4.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
