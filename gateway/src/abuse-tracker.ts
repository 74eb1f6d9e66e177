/** Refusals further apart than this end an episode of abuse: the client slowed down. */
const EPISODE_GAP_MS = 1000;

/**
 * Tells a client that keeps sending over its limit from one that went over it once: a connection
 * whose frames keep being refused (refusals less than a second apart) for `abuseS` seconds is an
 * abuser (CLIENT_ABUSE_S; closed with 1008).
 */
export class AbuseTracker {
  private refusingSince = 0;
  private lastRefusal = -Infinity;

  constructor(private readonly abuseS: number) {}

  /** One more refused frame, at `now` (ms): still 'refuse', or by now 'abuse'. */
  refuse(now: number): 'refuse' | 'abuse' {
    if (now - this.lastRefusal > EPISODE_GAP_MS) this.refusingSince = now;
    this.lastRefusal = now;
    return now - this.refusingSince >= this.abuseS * 1000 ? 'abuse' : 'refuse';
  }
}
