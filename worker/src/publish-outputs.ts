import type { Bus, Topics } from '@cmf/shared';
import type { Outputs } from './outputs.js';

/**
 * Publishes a batch's outputs. Presence writes go first and must be acknowledged before any
 * command is published: an announcement (client-list, client-connected, client-disconnected)
 * then never describes a presence change that is not durable, and the next presence batch, which
 * syncs its view of ws-presence before deciding anything, sees every change already announced.
 * That is what keeps each connect and disconnect announced exactly once, even when a worker dies
 * between the two steps: the retried batch finds its own presence writes by their `source` and
 * announces them again with the same command ids, which gateways drop if they delivered them.
 * Commands and dead letters go together afterwards; the caller commits the batch only once all
 * of it is acknowledged (at least once).
 */
export async function publishOutputs(bus: Bus, topics: Topics, outputs: Outputs): Promise<void> {
  await bus.publish(topics.presence, outputs.presence);
  await Promise.all([bus.publish(topics.out, outputs.out), bus.publish(topics.deadLetter, outputs.deadLetters)]);
}
