import { z } from 'zod';
import { problem, problemSchema } from '../http/problem.js';
import { defineGet, definePost } from '../http/route.js';
import { busUnavailable, busUnavailableBody, publishCommand } from './command.js';
import { AcceptedSchema, ClientListSchema } from './schemas.js';

/** Commands take no parameters yet; the body is an object so that a later one can add some. */
const NoParametersSchema = z.object({}).meta({ description: 'No parameters: send `{}`' });

export const listClients = defineGet({
  method: 'get',
  path: '/clients',
  summary: 'Every connected client, on every gateway',
  access: 'admin',
  responses: {
    200: {
      description: 'The clients, oldest first',
      schema: ClientListSchema,
      links: {
        kick: {
          operationId: 'postClientsIdKick',
          parameters: { id: '$response.body#/clients/0/id' },
          description: 'Kick the oldest client',
        },
      },
    },
  },
  async handle({ deps }, reply) {
    await deps.view.sync().catch((err: unknown) => deps.logger.warn('client list may be stale', { err }));
    const clients = [...deps.view.clients()].map((c) => ({
      id: c.clientId,
      gateway: c.gateway,
      connectedAt: new Date(c.connectedAt).toISOString(),
      status: c.away ? ('away' as const) : ('connected' as const),
    }));
    return reply(200, { count: clients.length, clients });
  },
});

export const kickAll = definePost({
  method: 'post',
  path: '/clients/kick-all',
  summary: 'Disconnect every client on every gateway',
  access: 'admin',
  body: NoParametersSchema,
  bodyExample: {},
  responses: {
    202: {
      description: 'Accepted; `clients` is how many were connected',
      schema: AcceptedSchema.extend({ clients: z.number().int().nonnegative() }),
    },
    503: busUnavailable,
  },
  async handle({ deps }, reply) {
    const requestId = await publishCommand(deps, { type: 'kick-all' });
    if (!requestId) return reply(503, busUnavailableBody);
    return reply(202, { status: 'accepted', requestId, clients: deps.view.size });
  },
});

export const kickOne = definePost({
  method: 'post',
  path: '/clients/:id/kick',
  summary: 'Disconnect one client; 404 when no such client is connected',
  access: 'admin',
  body: NoParametersSchema,
  bodyExample: {},
  responses: {
    202: { description: 'Accepted', schema: AcceptedSchema.extend({ clientId: z.string() }) },
    404: { description: 'No such client is connected', schema: problemSchema(['not-found']) },
    503: busUnavailable,
  },
  async handle({ deps, params }, reply) {
    const id = params.id ?? '';
    // A client that has just connected may not be in the view yet: find() catches up first.
    const found = await deps.view.find(id).catch(() => deps.view.client(id));
    if (!found) return reply(404, problem('not-found', `Client ${id} not found`));
    const requestId = await publishCommand(deps, { type: 'kick-one', targetId: id });
    if (!requestId) return reply(503, busUnavailableBody);
    return reply(202, { status: 'accepted', requestId, clientId: id });
  },
});
