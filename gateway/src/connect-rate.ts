import { clientAddress, isLoopback, sourceKey } from './client-address.js';
import { TokenBucket } from './token-bucket.js';
import type { UpgradeRule } from './upgrade-policy.js';

export interface ConnectRateOptions {
  perSecond: number;
  trustProxyHops: number;
  /** Milliseconds on a monotonic clock; tests pass their own. */
  now?: () => number;
}

/** How often idle sources are forgotten. */
const SWEEP_MS = 1000;

/**
 * New connections per second per source (MAX_CONNECTS_PER_S; 429 beyond it), as a token bucket
 * per source holding one second's worth. Loopback peers are exempt: on the same host they are a
 * sidecar proxy carrying everyone's connections, or a local tool, never one remote client.
 * Memory stays bounded: a source whose bucket has refilled is forgotten at the next sweep, so
 * only sources seen in the last second or two are held.
 */
export class ConnectRate {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep = 0;
  private readonly now: () => number;

  constructor(private readonly options: ConnectRateOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Sources remembered now. */
  get tracked(): number {
    return this.buckets.size;
  }

  readonly rule: UpgradeRule = (req) => {
    const address = clientAddress(req, this.options.trustProxyHops);
    if (isLoopback(address)) return { ok: true };
    const now = this.now();
    if (now - this.lastSweep >= SWEEP_MS) this.sweep(now);
    const key = sourceKey(address);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(this.options.perSecond, this.options.perSecond, now)));
    if (bucket.take(1, now)) return { ok: true };
    return { ok: false, status: 429, reason: `More than ${this.options.perSecond} new connections per second from ${address}` };
  };

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
    this.lastSweep = now;
  }
}
