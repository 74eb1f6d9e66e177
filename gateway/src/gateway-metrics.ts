import { level, tally, type Metrics } from '@cmf/shared';

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

  private readonly openConnections = new Set<() => number>();

  constructor(registry: Metrics['registry']) {
    tally(registry, 'cmf_gateway_connections_opened_total', 'WebSocket connections accepted', () => this.connectionsOpened);
    tally(registry, 'cmf_gateway_frames_in_total', 'Client frames received and relayed to ws-in', () => this.framesIn);
    tally(registry, 'cmf_gateway_frames_out_total', 'Frames written to client sockets', () => this.framesOut);
    tally(registry, 'cmf_gateway_kicks_total', 'Sockets closed by a kick command', () => this.kicks);
    level(registry, 'cmf_gateway_connections', 'WebSocket connections open now', () => {
      let open = 0;
      for (const count of this.openConnections) open += count();
      return open;
    });
  }

  /** A gateway reports its open connections at scrape time. Returns the unregister function. */
  countConnections(read: () => number): () => void {
    this.openConnections.add(read);
    return () => this.openConnections.delete(read);
  }
}

export const gatewayMetrics = (metrics: Metrics): GatewayMetrics => metrics.part('gateway', (r) => new GatewayMetrics(r));
