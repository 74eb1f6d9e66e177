import {
  clientPresenceKey,
  departedPresenceKey,
  gatewayPresenceKey,
  PRESENCE_KEY,
  type ClientPresence,
  type GatewayPresence,
  type PresenceView,
} from '@cmf/shared';
import type { Emitter, Outputs } from './outputs.js';

/**
 * Applies presence events in log order on top of the presence view. Only the worker that owns
 * the presence key's partition runs this, one batch at a time, and the view is synced before
 * each batch, so every decision sees all earlier ones: that is what makes each connect and
 * disconnect announced exactly once.
 *
 * A batch retried after its presence writes landed but its announcements did not (a failed
 * publish, a crash in between) finds its own writes by their `source` and announces again, with
 * the same command ids, which gateways drop if they did deliver them.
 *
 * Announcements are grouped so a burst of connects costs one client-list, not one per connect:
 * a group emits its disconnect notices, then the client list, then its connect notices, which
 * keeps the original order for each client (welcome, client-list, client-connected on connect;
 * client-disconnected, client-list on disconnect).
 */
export class PresenceBatch {
  private readonly clients = new Map<string, ClientPresence | null>();
  private readonly gateways = new Map<string, GatewayPresence | null>();
  private connected: { clientId: string; source: string }[] = [];
  private disconnected: { clientId: string; source: string }[] = [];
  private latest = 0;

  private constructor(
    private readonly view: PresenceView,
    private readonly outputs: Outputs,
  ) {}

  /**
   * Syncs the view, and forgets departures of earlier batches (they were announced). `firstSource`
   * is the position (`<partition>-<offset>`) of the batch's first record.
   */
  static async begin(view: PresenceView, outputs: Outputs, firstSource: string): Promise<PresenceBatch> {
    await view.sync();
    const [partition, first] = firstSource.split('-');
    for (const d of view.departed()) {
      const [p, o] = d.source.split('-');
      if (p !== partition || BigInt(o ?? '0') < BigInt(first ?? '0')) {
        outputs.setPresence(departedPresenceKey(d.clientId), null);
      }
    }
    return new PresenceBatch(view, outputs);
  }

  client(id: string): ClientPresence | undefined {
    return this.clients.has(id) ? (this.clients.get(id) ?? undefined) : this.view.client(id);
  }

  connect(emit: Emitter, clientId: string, gateway: string, at: number): void {
    const { source } = emit;
    this.seen(at);
    this.touchGateway(gateway, at, false);
    const known = this.client(clientId);
    if (known) {
      if (known.source === source) this.connected.push({ clientId, source });
      return;
    }
    const entry: ClientPresence = { kind: 'client', clientId, gateway, connectedAt: at, source };
    this.clients.set(clientId, entry);
    this.outputs.setPresence(clientPresenceKey(clientId), entry);
    this.connected.push({ clientId, source });
  }

  disconnect(emit: Emitter, clientId: string, at: number): void {
    const { source } = emit;
    this.seen(at);
    if (!this.client(clientId)) {
      const departed = this.view.departed().find((d) => d.clientId === clientId);
      if (departed?.source === source) this.disconnected.push({ clientId, source });
      return;
    }
    if (this.connected.some((c) => c.clientId === clientId)) this.flush(emit);
    this.clients.set(clientId, null);
    this.outputs.setPresence(clientPresenceKey(clientId), null);
    this.outputs.setPresence(departedPresenceKey(clientId), { kind: 'departed', clientId, source });
    this.disconnected.push({ clientId, source });
  }

  heartbeat(gateway: string, at: number): void {
    this.seen(at);
    this.touchGateway(gateway, at, true);
  }

  /** The gateway stopped cleanly; whatever clients it still had are gone. */
  gatewayDown(emit: Emitter, gateway: string, at: number): void {
    this.seen(at);
    this.dropGateway(emit, gateway, at);
  }

  tick(at: number): void {
    this.seen(at);
  }

  /**
   * Expire gateways silent for longer than `timeoutMs`, then emit the pending announcements, as
   * caused by the batch's last record (`emit`).
   */
  finish(emit: Emitter, timeoutMs: number): void {
    for (const g of this.allGateways()) {
      if (g.lastSeen < this.latest - timeoutMs) {
        this.dropGateway(emit, g.gateway, this.latest);
        emit.gatewayExpired(g.gateway);
      }
    }
    this.flush(emit);
  }

  private dropGateway(emit: Emitter, gateway: string, at: number): void {
    for (const c of this.allClients()) if (c.gateway === gateway) this.disconnect(emit, c.clientId, at);
    if (this.gateway(gateway)) {
      this.gateways.set(gateway, null);
      this.outputs.setPresence(gatewayPresenceKey(gateway), null);
    }
  }

  private touchGateway(gateway: string, at: number, always: boolean): void {
    const known = this.gateway(gateway);
    if (known && !always) return;
    const entry: GatewayPresence = { kind: 'gateway', gateway, lastSeen: Math.max(at, known?.lastSeen ?? 0) };
    this.gateways.set(gateway, entry);
    this.outputs.setPresence(gatewayPresenceKey(gateway), entry);
  }

  private gateway(id: string): GatewayPresence | undefined {
    return this.gateways.has(id) ? (this.gateways.get(id) ?? undefined) : this.view.gateways().find((g) => g.gateway === id);
  }

  private allClients(): ClientPresence[] {
    const merged = new Map(this.view.clients().map((c) => [c.clientId, c] as [string, ClientPresence | null]));
    for (const [id, c] of this.clients) merged.set(id, c);
    return [...merged.values()].filter((c): c is ClientPresence => c !== null);
  }

  private allGateways(): GatewayPresence[] {
    const merged = new Map(this.view.gateways().map((g) => [g.gateway, g] as [string, GatewayPresence | null]));
    for (const [id, g] of this.gateways) merged.set(id, g);
    return [...merged.values()].filter((g): g is GatewayPresence => g !== null);
  }

  private seen(at: number): void {
    this.latest = Math.max(this.latest, at);
  }

  /** Notices take ids from the record that caused them, so a retry repeats them exactly. */
  private flush(emit: Emitter): void {
    if (this.connected.length === 0 && this.disconnected.length === 0) return;
    const all = { type: 'all' } as const;
    for (const { clientId, source } of this.disconnected) {
      emit.deliver(PRESENCE_KEY, all, { type: 'client-disconnected', clientId }, `${source}-gone-${clientId}`);
    }
    const clients = this.allClients()
      .sort((a, b) => a.connectedAt - b.connectedAt)
      .map((c) => c.clientId);
    emit.deliver(PRESENCE_KEY, all, { type: 'client-list', clients });
    for (const { clientId, source } of this.connected) {
      emit.deliver(PRESENCE_KEY, all, { type: 'client-connected', clientId }, `${source}-new-${clientId}`);
    }
    this.connected = [];
    this.disconnected = [];
  }
}
