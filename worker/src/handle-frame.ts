import { Texts, unreachable, type ErrorFrame, type FrameRecord, type ParsedClientFrame, type Target } from '@cmf/shared';
import type { KickRefusal } from './kick-policy.js';
import type { Emitter } from './outputs.js';

export interface FrameContext {
  emit: Emitter;
  /** Whether a client is connected; resolved for the whole batch before its frames are handled. */
  isConnected(clientId: string): boolean;
  kickRefusal: KickRefusal;
}

/** One client frame, already parsed: the whole message-type logic of the original protocol. */
export function handleFrame(record: FrameRecord, parsed: ParsedClientFrame, { emit, isConnected, kickRefusal }: FrameContext): void {
  const sender = record.clientId;
  const toSender: Target = { type: 'clients', ids: [sender] };
  // Every error a frame causes echoes its ref (a problem already carries it).
  const ref = parsed.ok && parsed.frame.ref !== undefined ? { ref: parsed.frame.ref } : {};
  const fail = (frame: Omit<ErrorFrame, 'type'>): void => emit.deliver(sender, toSender, { type: 'error', ...frame, ...ref });
  const unknownTarget = (targetId: string): void =>
    fail({ code: 'unknown-target', message: `Client ${targetId} not found`, field: 'targetId' });
  const forbidden = (): boolean => {
    const refusal = kickRefusal(record);
    if (refusal) fail({ code: 'forbidden', message: refusal });
    return refusal !== undefined;
  };

  if (!parsed.ok) {
    fail(parsed.problem);
    return;
  }
  const frame = parsed.frame;
  switch (frame.type) {
    case 'broadcast-all':
    case 'broadcast': {
      emit.deliver(sender, { type: 'all' }, { type: 'kafka', from: sender, message: frame.message, timestamp: record.receivedAt });
      return;
    }
    case 'broadcast-one': {
      if (!isConnected(frame.targetId)) return unknownTarget(frame.targetId);
      const direct = { type: 'direct', from: sender, message: frame.message, timestamp: record.receivedAt } as const;
      emit.deliver(sender, { type: 'clients', ids: [frame.targetId] }, direct);
      return;
    }
    case 'kick-one':
      if (forbidden()) return;
      if (!isConnected(frame.targetId)) return unknownTarget(frame.targetId);
      emit.kick(sender, { type: 'clients', ids: [frame.targetId] }, { type: 'kicked', message: Texts.kickedOne });
      return;
    case 'kick-all':
      if (forbidden()) return;
      emit.kick(sender, { type: 'all', except: [sender] }, { type: 'kicked', message: Texts.kickedAll });
      return;
    default:
      unreachable(frame);
  }
}

/** The client a frame is aimed at, if any: looked up for the whole batch at once. */
export function targetOf(parsed: ParsedClientFrame): string | undefined {
  if (!parsed.ok) return undefined;
  const { frame } = parsed;
  return frame.type === 'broadcast-one' || frame.type === 'kick-one' ? frame.targetId : undefined;
}
