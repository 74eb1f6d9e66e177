import { encodeRecord, PRESENCE_KEY, type Bus, type Logger, type WsInRecord } from '@cmf/shared';

/** How often every worker puts a tick on the presence key. */
export const TICK_MS = 1000;

/**
 * Ticks keep gateway expiry and due client lists moving when nothing else happens: the presence
 * owner judges time by the log, and a tick is the log saying that time passed. One that Kafka has
 * not taken within a tick is dropped: ticks held back by an outage and landing together after it
 * would look like time passing with no gateway heartbeating (their heartbeats time out likewise),
 * and expire every gateway; dropped, they leave the gap that tells the presence owner the log
 * stalled. Returns the stop function.
 */
export function startTicks(bus: Bus, topic: string, log: Logger): () => void {
  const ticker = setInterval(() => {
    const tick: WsInRecord = { kind: 'tick', at: Date.now() };
    bus.publish(topic, [{ key: PRESENCE_KEY, value: encodeRecord(tick) }], { timeoutMs: TICK_MS }).catch((err: unknown) => {
      log.warn('tick not published', { err });
    });
  }, TICK_MS);
  ticker.unref();
  return () => clearInterval(ticker);
}
