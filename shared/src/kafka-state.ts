import type { Bus } from './bus/bus.js';
import type { Config } from './config.js';

export type KafkaState = 'connected' | 'disconnected' | 'not-configured';

/** What /health reports as `kafka`: a real check, or `not-configured` on the in-memory bus. */
export async function kafkaState(bus: Bus, config: Config): Promise<KafkaState> {
  if (config.brokers.length === 0) return 'not-configured';
  return (await bus.isConnected()) ? 'connected' : 'disconnected';
}
