import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, encodeRecord, type AdminCommand } from '@cmf/shared';
import type { AdminDeps } from '../deps.js';
import { problem, problemSchema } from '../http/problem.js';

/** The 503 of every command route. */
export const busUnavailable = {
  description: 'The message bus is unavailable; nothing was sent',
  schema: problemSchema(['bus-unavailable']),
} as const;

export const busUnavailableBody = problem('bus-unavailable', 'The message bus is unavailable; nothing was sent');

/**
 * Publishes an admin command to ws-in, where the workers execute it: the admin API changes the
 * system only this way. Resolves with the command's request id, or undefined when the bus refused it.
 */
export async function publishCommand(deps: AdminDeps, command: AdminCommand): Promise<string | undefined> {
  const requestId = randomUUID();
  try {
    await deps.bus.publish(deps.config.topics.in, [
      { key: ADMIN_KEY, value: encodeRecord({ kind: 'admin', requestId, at: Date.now(), command }) },
    ]);
    return requestId;
  } catch (err) {
    deps.logger.warn('admin command not published', { err });
    return undefined;
  }
}
