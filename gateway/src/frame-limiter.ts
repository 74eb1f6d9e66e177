import { RATE_TOKEN_BYTES } from '@cmf/shared';
import { TokenBucket } from './token-bucket.js';

/** What to do with a client's frame: relay it, refuse it (`rate-limited`), or close the abuser (1008). */
export type FrameVerdict = 'accept' | 'refuse' | 'abuse';

export interface FrameLimits {
  ratePerS: number;
  burst: number;
  abuseS: number;
}

/** Refusals further apart than this end an episode of abuse: the client slowed down. */
const EPISODE_GAP_MS = 1000;

/**
 * One connection's rate limit. A frame costs one token per started KiB (RATE_TOKEN_BYTES), so the
 * bucket bounds bytes as well as frames: one sender can never put more than CLIENT_BURST KiB at
 * once, or CLIENT_RATE_PER_S KiB a second, into anyone's socket. A connection whose frames keep
 * being refused (refusals less than a second apart) for `abuseS` seconds is an abuser.
 */
export class FrameLimiter {
  private readonly bucket: TokenBucket;
  private refusingSince = 0;
  private lastRefusal = -Infinity;

  constructor(
    private readonly limits: FrameLimits,
    now: number,
  ) {
    this.bucket = new TokenBucket(limits.ratePerS, limits.burst, now);
  }

  check(bytes: number, now: number): FrameVerdict {
    if (this.bucket.take(Math.max(1, Math.ceil(bytes / RATE_TOKEN_BYTES)), now)) return 'accept';
    if (now - this.lastRefusal > EPISODE_GAP_MS) this.refusingSince = now;
    this.lastRefusal = now;
    return now - this.refusingSince >= this.limits.abuseS * 1000 ? 'abuse' : 'refuse';
  }
}
