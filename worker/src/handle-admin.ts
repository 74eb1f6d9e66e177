import { ADMIN_KEY, Texts, unreachable, type AdminRecord } from '@cmf/shared';
import type { Emitter } from './outputs.js';

/** A command from the admin API. Kicks need no lookup: the API checked the target, and gateways ignore unknown ids. */
export function handleAdmin(record: AdminRecord, emit: Emitter): void {
  const { command } = record;
  switch (command.type) {
    case 'broadcast':
      emit.deliver(ADMIN_KEY, { type: 'all' }, { type: 'kafka', from: 'server', message: command.message, timestamp: record.at });
      return;
    case 'kick-one':
      emit.kick(ADMIN_KEY, { type: 'clients', ids: [command.targetId] }, { type: 'kicked', message: Texts.kickedOne });
      return;
    case 'kick-all':
      emit.kick(ADMIN_KEY, { type: 'all' }, { type: 'kicked', message: Texts.kickedAll });
      return;
    default:
      unreachable(command);
  }
}
