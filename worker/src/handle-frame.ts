import {
  parseClientFrame,
  Texts,
  type ClientPresence,
  type ErrorFrame,
  type FrameRecord,
  type Target,
} from '@cmf/shared';
import type { Outputs } from './outputs.js';

export interface FrameContext {
  outputs: Outputs;
  /** Where a client is connected, or undefined when it is not. */
  find(clientId: string): Promise<ClientPresence | undefined>;
  allowClientKick: boolean;
}

/** One client frame: the whole message-type logic of the original protocol. */
export async function handleFrame(record: FrameRecord, ctx: FrameContext): Promise<void> {
  const { outputs } = ctx;
  const sender = record.clientId;
  const toSender: Target = { type: 'clients', ids: [sender] };
  const fail = (frame: Omit<ErrorFrame, 'type'>): void => outputs.deliver(sender, toSender, { type: 'error', ...frame });

  const parsed = parseClientFrame(record.data);
  if (!parsed.ok) {
    fail(parsed.problem);
    return;
  }
  const frame = parsed.frame;
  switch (frame.type) {
    case 'broadcast-all':
    case 'broadcast': {
      const id = outputs.nextId();
      outputs.deliver(sender, { type: 'all' }, { type: 'kafka', from: sender, message: frame.message, timestamp: record.receivedAt, id }, id);
      return;
    }
    case 'broadcast-one': {
      if (!(await ctx.find(frame.targetId))) {
        fail({ code: 'unknown-target', message: `Client ${frame.targetId} not found`, field: 'targetId' });
        return;
      }
      const id = outputs.nextId();
      outputs.deliver(
        sender,
        { type: 'clients', ids: [frame.targetId] },
        { type: 'direct', from: sender, message: frame.message, timestamp: record.receivedAt, id },
        id,
      );
      return;
    }
    case 'kick-one': {
      if (!ctx.allowClientKick) {
        fail({ code: 'forbidden', message: 'Kicking is disabled on this server' });
        return;
      }
      if (!(await ctx.find(frame.targetId))) {
        fail({ code: 'unknown-target', message: `Client ${frame.targetId} not found`, field: 'targetId' });
        return;
      }
      outputs.kick(sender, { type: 'clients', ids: [frame.targetId] }, { type: 'kicked', message: Texts.kickedOne });
      return;
    }
    case 'kick-all': {
      if (!ctx.allowClientKick) {
        fail({ code: 'forbidden', message: 'Kicking is disabled on this server' });
        return;
      }
      outputs.kick(sender, { type: 'all', except: [sender] }, { type: 'kicked', message: Texts.kickedAll });
      return;
    }
  }
}
