import { sleep } from '../processes.js';

export interface HealthProbe {
  stop(): Promise<{ probes: number; failed: number; maxMs: number }>;
}

/**
 * GETs url every intervalMs until stopped and keeps the slowest answer; a request still
 * waiting when it stops counts with the time it has waited so far.
 */
export function probeHealth(url: string, intervalMs = 100): HealthProbe {
  let running = true;
  let probes = 0;
  let failed = 0;
  let maxMs = 0;
  let inFlightSince: number | undefined;
  void (async () => {
    while (running) {
      inFlightSince = performance.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        if (!res.ok) failed += 1;
      } catch {
        failed += 1;
      }
      maxMs = Math.max(maxMs, performance.now() - inFlightSince);
      inFlightSince = undefined;
      probes += 1;
      await sleep(intervalMs);
    }
  })();
  return {
    async stop() {
      running = false;
      if (inFlightSince !== undefined) maxMs = Math.max(maxMs, performance.now() - inFlightSince);
      // The loop ends by itself after its current request: nothing waits for a stalled server.
      return { probes, failed, maxMs: Math.round(maxMs) };
    },
  };
}
