import { level, tally, tallyBy, type Metrics } from '@cmf/shared';

/** One more of `key` in a map of counts. */
const bump = (counts: Map<number, number>, key: number): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

/** What gateways count; registered once per process, shared by the gateways it runs. */
export class GatewayMetrics {
  /** Client connections accepted. */
  connectionsOpened = 0;
  /** Client frames received and relayed to ws-in. */
  framesIn = 0;
  /** Frames written to client sockets. */
  framesOut = 0;
  /** Sockets closed because of a kick command. */
  kicks = 0;
  /** Client frames refused by the connection's rate limit. */
  framesRateLimited = 0;
  /** Socket closes by close code: the gateway's own reason when it closed, else the client's or 1006. */
  readonly closes = new Map<number, number>();
  /** Upgrades refused, by HTTP status. */
  readonly upgradesRefused = new Map<number, number>();
  /** Connections that took a client back with its resume token. */
  resumes = 0;
  /** Resumes refused (bad token, no session left): those clients got a new id. */
  resumesRefused = 0;
  /** Frames of resumed clients' gaps, read back from ws-out and written. */
  replayedFrames = 0;
  /** Bytes of ws-out records read back to replay gaps (keys and values). */
  replayBytesRead = 0;
  /** Reads of ws-out for replays: resumes granted together share one. */
  replaySweeps = 0;

  private readonly openConnections = new Set<() => number>();

  constructor(registry: Metrics['registry']) {
    tally(registry, 'cmf_gateway_connections_opened_total', 'WebSocket connections accepted', () => this.connectionsOpened);
    tally(registry, 'cmf_gateway_frames_in_total', 'Client frames received and relayed to ws-in', () => this.framesIn);
    tally(registry, 'cmf_gateway_frames_out_total', 'Frames written to client sockets', () => this.framesOut);
    tally(registry, 'cmf_gateway_kicks_total', 'Sockets closed by a kick command', () => this.kicks);
    tally(registry, 'cmf_gateway_frames_rate_limited_total', 'Client frames refused by the per-connection rate limit', () => this.framesRateLimited);
    tallyBy(registry, 'cmf_gateway_closes_total', 'WebSocket closes by close code', 'code', () => this.closes);
    tallyBy(registry, 'cmf_gateway_upgrades_refused_total', 'Upgrade requests refused, by HTTP status', 'status', () => this.upgradesRefused);
    tally(registry, 'cmf_gateway_resumes_total', 'Connections that resumed a client with its token', () => this.resumes);
    tally(registry, 'cmf_gateway_resumes_refused_total', 'Resumes refused (the client got a new id)', () => this.resumesRefused);
    tally(registry, 'cmf_gateway_replayed_frames_total', "Frames of resumed clients' gaps written", () => this.replayedFrames);
    tally(registry, 'cmf_gateway_replay_read_bytes_total', 'Bytes of ws-out read back to replay gaps', () => this.replayBytesRead);
    tally(registry, 'cmf_gateway_replay_sweeps_total', 'Reads of ws-out for replays (resumes granted together share one)', () => this.replaySweeps);
    level(registry, 'cmf_gateway_connections', 'WebSocket connections open now', () => {
      let open = 0;
      for (const count of this.openConnections) open += count();
      return open;
    });
  }

  countClose(code: number): void {
    bump(this.closes, code);
  }

  countRefusal(status: number): void {
    bump(this.upgradesRefused, status);
  }

  /** A gateway reports its open connections at scrape time. Returns the unregister function. */
  countConnections(read: () => number): () => void {
    this.openConnections.add(read);
    return () => this.openConnections.delete(read);
  }
}

export const gatewayMetrics = (metrics: Metrics): GatewayMetrics => metrics.part('gateway', (r) => new GatewayMetrics(r));
