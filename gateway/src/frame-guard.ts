import { CloseCodes, type ErrorFrame, type Metrics } from '@cmf/shared';
import type { Connection } from './connection.js';
import { FrameLimiter, type FrameLimits } from './frame-limiter.js';
import type { GatewayMetrics } from './gateway-metrics.js';

export interface FrameGuardDeps {
  counters: GatewayMetrics;
  metrics: Metrics;
  limits: FrameLimits;
  maxBufferedBytes: number;
}

const rateLimited = Buffer.from(
  JSON.stringify({
    type: 'error',
    code: 'rate-limited',
    message: 'Message not delivered: too many messages, slow down',
  } satisfies ErrorFrame),
);

/**
 * What a client's frame must pass before it is relayed: JSON text (a binary frame closes with
 * 1003), and the connection's rate limit (over it: an `error` frame `rate-limited`; kept over it
 * for CLIENT_ABUSE_S: closed with 1008). Returns the frame's text, or undefined when it stops here.
 */
export function createFrameGuard(conn: Connection, { counters, metrics, limits, maxBufferedBytes }: FrameGuardDeps) {
  const limiter = new FrameLimiter(limits, performance.now());
  // Refusals of one read go out in one write: a flood is answered without a syscall per frame.
  let refused = 0;
  const answerRefused = (): void => {
    const frames = Array<Buffer>(refused).fill(rateLimited);
    refused = 0;
    conn.send(frames, maxBufferedBytes);
  };

  return (data: Buffer, isBinary: boolean): string | undefined => {
    if (conn.closing) return undefined;
    if (isBinary) {
      conn.close(CloseCodes.unsupportedData, 'Binary frames are not accepted: send JSON text');
      return undefined;
    }
    switch (limiter.check(data.length, performance.now())) {
      case 'accept':
        return data.toString('utf8');
      case 'refuse':
        counters.framesRateLimited += 1;
        metrics.countError('gateway', 'rate-limited');
        if (refused++ === 0) process.nextTick(answerRefused);
        return undefined;
      case 'abuse':
        conn.close(CloseCodes.policyViolation, 'Rate limit exceeded for too long');
        return undefined;
    }
  };
}
