/** How many samples the running percentiles cover, and how many sends may wait for their echo. */
const SAMPLES = 1_000;
const PENDING = 1_000;

export interface LatencyStats {
  count: number;
  p50: number;
  p99: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

/**
 * Latency of one's own broadcasts, sent → echoed. The server echoes a sender's broadcasts in the
 * order sent, so each echo settles the oldest pending send with the same text; older pending sends
 * it passes over were lost and are dropped. Both lists are bounded.
 */
export class LatencyTracker {
  private pending: { message: string; at: number }[] = [];
  private samples: number[] = [];
  private next = 0;

  sent(message: string, at: number): void {
    this.pending.push({ message, at });
    if (this.pending.length > PENDING) this.pending.shift();
  }

  /** The latency of this echo in ms, or undefined when no pending send matches it. */
  echoed(message: string, at: number): number | undefined {
    const index = this.pending.findIndex((p) => p.message === message);
    if (index < 0) return undefined;
    const latency = Math.max(0, at - this.pending[index]!.at);
    this.pending.splice(0, index + 1);
    if (this.samples.length < SAMPLES) this.samples.push(latency);
    else this.samples[this.next] = latency;
    this.next = (this.next + 1) % SAMPLES;
    return latency;
  }

  /** Sends still waiting: forgotten when the connection ends, since their echoes cannot be timed. */
  forgetPending(): void {
    this.pending = [];
  }

  stats(): LatencyStats {
    const sorted = [...this.samples].sort((a, b) => a - b);
    return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  }

  reset(): void {
    this.pending = [];
    this.samples = [];
    this.next = 0;
  }
}
