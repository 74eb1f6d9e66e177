import { CloseCodes, type ErrorFrame, type Metrics } from '@cmf/shared';
import type { Connection } from './connection.js';
import { AbuseTracker } from './abuse-tracker.js';
import { FramePacer } from './frame-pacer.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { textFrame } from './text-frame.js';

/** A connection's rate limit (CLIENT_RATE_PER_S, CLIENT_BURST, CLIENT_ABUSE_S). */
export interface FrameLimits {
  ratePerS: number;
  burst: number;
  abuseS: number;
}

export interface FrameGuardDeps {
  counters: GatewayMetrics;
  metrics: Metrics;
  limits: FrameLimits;
  maxBufferedBytes: number;
}

const rateLimited = textFrame(
  Buffer.from(
    JSON.stringify({
      type: 'error',
      code: 'rate-limited',
      message: 'Message not delivered: too many messages, slow down',
    } satisfies ErrorFrame),
  ),
);

/** Refusals are answered together after this long: a flood is answered without a write per frame. */
const ANSWER_EVERY_MS = 10;

/**
 * What a client's frame must pass before it is relayed (to `relay`): JSON text (a binary frame
 * closes with 1003), and the connection's rate limit: frames pass at CLIENT_RATE_PER_S tokens a
 * second, a burst waiting its turn up to CLIENT_BURST tokens; a frame beyond that is answered with
 * an `error` frame `rate-limited` and dropped, and a connection that keeps being refused for
 * CLIENT_ABUSE_S is closed with 1008. Returns what takes the socket's messages, and what stops it
 * when the socket closes.
 */
export function createFrameGuard(conn: Connection, { counters, metrics, limits, maxBufferedBytes }: FrameGuardDeps, relay: (text: string) => void) {
  const abuse = new AbuseTracker(limits.abuseS);
  let refused = 0;
  const answerRefused = (): void => {
    const frames = Buffer.concat(Array<Buffer>(refused).fill(rateLimited));
    refused = 0;
    conn.write(frames, maxBufferedBytes);
  };
  const refuse = (): void => {
    if (conn.closing) return;
    if (abuse.refuse(performance.now()) === 'abuse') {
      conn.close(CloseCodes.policyViolation, 'Rate limit exceeded for too long');
      return;
    }
    counters.framesRateLimited += 1;
    metrics.countError('gateway', 'rate-limited');
    if (refused++ === 0) setTimeout(answerRefused, ANSWER_EVERY_MS);
  };
  const pacer = new FramePacer(
    limits.ratePerS,
    limits.burst,
    (data) => {
      if (!conn.closing) relay(data.toString('utf8'));
    },
    refuse,
  );

  return {
    take(data: Buffer, isBinary: boolean): void {
      if (conn.closing) return;
      if (isBinary) conn.close(CloseCodes.unsupportedData, 'Binary frames are not accepted: send JSON text');
      else pacer.push(data);
    },
    stop: (): void => pacer.stop(),
  };
}
