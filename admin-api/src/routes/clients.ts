import { z } from 'zod';
import { problem, problemSchema } from '../http/problem.js';
import { defineGet, definePost } from '../http/route.js';
import { busUnavailable, busUnavailableBody, publishCommand } from './command.js';
import { AcceptedSchema, ClientListSchema, ClientsQuerySchema } from './schemas.js';

/** Commands take no parameters yet; the body is an object so that a later one can add some. */
const NoParametersSchema = z.object({}).meta({ description: 'No parameters: send `{}`' });

const PAGE = 1000;

type Listed = { clientId: string; connectedAt: number };
/** Clients in (connect time, id) order; a cursor is the position of the last one of a page. */
const order = (a: Listed, b: Listed): number => a.connectedAt - b.connectedAt || (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0);
const cursorOf = (c: Listed): string => `${c.connectedAt}.${c.clientId}`;
const afterCursor = (cursor: string) => {
  const dot = cursor.indexOf('.');
  const at: Listed = { connectedAt: Number(cursor.slice(0, dot)), clientId: cursor.slice(dot + 1) };
  return (c: Listed): boolean => order(c, at) > 0;
};

export const listClients = defineGet({
  method: 'get',
  path: '/clients',
  summary: 'The connected clients, on every gateway, a page at a time',
  access: 'admin',
  query: ClientsQuerySchema,
  responses: {
    200: {
      description: 'The clients, oldest first',
      schema: ClientListSchema,
    },
  },
  async handle({ deps, query }, reply) {
    await deps.view.sync().catch((err: unknown) => deps.logger.warn('client list may be stale', { err }));
    const limit = query.limit ?? PAGE;
    const all = [...deps.view.clients()].sort(order);
    const rest = query.cursor ? all.filter(afterCursor(query.cursor)) : all;
    const page = rest.slice(0, limit);
    const clients = page.map((c) => ({
      id: c.clientId,
      gateway: c.gateway,
      connectedAt: new Date(c.connectedAt).toISOString(),
      status: c.away ? ('away' as const) : ('connected' as const),
    }));
    const more = rest.length > limit ? { nextCursor: cursorOf(page.at(-1)!) } : {};
    return reply(200, { count: all.length, clients, ...more });
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
