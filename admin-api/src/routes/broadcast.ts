import { z } from 'zod';
import { definePost } from '../http/route.js';
import { busUnavailable, busUnavailableBody, publishCommand } from './command.js';
import { AcceptedSchema } from './schemas.js';

export const BroadcastBodySchema = z.object({ message: z.string().meta({ description: 'Any text; every client receives it as is' }) });

export const broadcast = definePost({
  method: 'post',
  path: '/broadcast',
  summary: 'Send a message to every client, as a `kafka` frame from "server"',
  access: 'admin',
  body: BroadcastBodySchema,
  bodyExample: { message: 'Maintenance in 5 minutes' },
  responses: { 202: { description: 'Accepted', schema: AcceptedSchema }, 503: busUnavailable },
  async handle({ deps, body }, reply) {
    const requestId = await publishCommand(deps, { type: 'broadcast', message: body.message });
    if (!requestId) return reply(503, busUnavailableBody);
    return reply(202, { status: 'accepted', requestId });
  },
});
