import {
  CLOCK_PRESENCE_KEY,
  clientPresenceKey,
  departedPresenceKey,
  endedPresenceKey,
  gatewayPresenceKey,
  PRESENCE_KEY,
  type ClientListFrame as StampedClientListFrame,
  type ClientPresence,
  type DisconnectRecord,
  type EndedPresence,
  type GatewayPresence,
  type PresenceMode,
  type PresenceState,
  type PresenceView,
  type ResumeRecord,
} from '@cmf/shared';
import type { Emitter, Outputs } from './outputs.js';

/** How the presence owner announces; from the configuration. */
export interface PresencePolicy {
  /** A gateway silent this long has its clients announced gone (GATEWAY_TIMEOUT_MS). */
  timeoutMs: number;
  /** Full client lists go to `?presence=full` sockets only while the cluster has at most this many clients. */
  fullListMax: number;
  /** At most one announcement (held notices, a list) per this long. */
  listIntervalMs: number;
  /** Notices held for one announcement at most; past them, a list replaces them. */
  noticeMax: number;
  /** Past `fullListMax` clients, a list names only the oldest this many. */
  partialListMax: number;
  /** How often workers tick; expiry runs on ticks, so it starts one tick early to finish within timeoutMs. */
  tickMs: number;
  /** A resumable client whose connection ended abnormally stays listed this long (RESUME_GRACE_MS). */
  graceMs: number;
  /** It may resume until this long after its connection ended (RESUME_WINDOW_MS). */
  windowMs: number;
}

/** What a gateway says about a connection's end (see DisconnectRecordSchema). */
export type ConnectionEnd = Pick<DisconnectRecord, 'connection' | 'reserve' | 'position'>;

/** The gateway adds the `id`. */
type ClientListFrame = Omit<StampedClientListFrame, 'id'>;

const REFUSED = 'No session to resume: it was closed by the client, kicked, or ended longer ago than the resume window';

/** A gap this long between liveness records means the log stalled (an outage, a frozen owner), not that gateways died. */
const stallGap = (policy: PresencePolicy): number => 3 * policy.tickMs;

interface Change {
  clientId: string;
  source: string;
  presence: PresenceMode;
}

type HeldChange = PresenceState['held'][number];

/**
 * Applies presence events in log order on top of the presence view. Only the worker that owns
 * the presence key's partition runs this, one batch at a time, and the view is synced before
 * each batch, so every decision sees all earlier ones: that is what makes each connect and
 * disconnect announced exactly once.
 *
 * What clients receive (the README's protocol section says the same):
 * - a newcomer: its own `client-list` (all ids while there are at most `fullListMax`, else the
 *   oldest `partialListMax` with `total` and `truncated`), unless it asked for `?presence=none`;
 * - every `full` or `delta` socket: `client-connected` / `client-disconnected` for each change,
 *   held and sent together at most once per `listIntervalMs`; past `noticeMax` changes in that
 *   time, one `client-list` replaces them (the whole list while the cluster is small, else the
 *   oldest `partialListMax` ids with the total). So a connect storm costs each client one write per
 *   interval, of at most `noticeMax` notices or one list, not one notice per connect;
 * - every `full` socket, while the cluster has at most `fullListMax` clients: the whole
 *   `client-list` after changes, at most once per `listIntervalMs` (ticks send one that is due).
 * The original order holds for each client: on connect `welcome`, list, `client-connected`; on
 * disconnect `client-disconnected`, then the list.
 *
 * Resume: a resumable client whose connection ended abnormally (or whose gateway died) is `away`:
 * still listed and reachable, nothing announced. A `resume` record within `graceMs` moves it to
 * the new connection silently; after it, the client is announced gone once and an `ended` record
 * keeps it resumable until `windowMs` after the end (coming back is then announced as a connect).
 * Every resume is answered on ws-out: `resumed` (the new gateway activates the connection, every
 * other connection of the client is closed) or `resume-refused`. Clean closes and kicks end the
 * session for good.
 *
 * A batch retried after its presence writes landed but its announcements did not (a failed
 * publish, a crash in between) finds its own writes by their `source` and announces again, with
 * the same command ids, which gateways drop if they did deliver them; the owner's state (the
 * `clock` record) keeps what it was before the batch for the same reason.
 */
export class PresenceBatch {
  private readonly clients = new Map<string, ClientPresence | null>();
  private readonly gateways = new Map<string, GatewayPresence | null>();
  private readonly ended = new Map<string, EndedPresence | null>();
  private readonly touched = new Set<string>();
  private connected: Change[] = [];
  private disconnected: Change[] = [];
  private readonly state: PresenceState;
  private readonly before: PresenceState;
  /** The newest record time in the batch: "now", the same on a retry. */
  private latest = 0;

  private constructor(
    private readonly view: PresenceView,
    private readonly outputs: Outputs,
    private readonly policy: PresencePolicy,
    private readonly firstSource: string,
  ) {
    const clock = view.clock();
    // A retry starts from the state its first attempt started from, so it decides the same.
    this.before = clock ? (clock.batch === firstSource ? clock.before : stateOf(clock)) : { at: 0, noticeAt: 0, held: [], summaryPending: false };
    // Its own copy of the held changes: they are appended to during the batch.
    this.state = { ...this.before, held: [...this.before.held] };
  }

  /**
   * Syncs the view, and forgets departures of earlier batches (they were announced). `firstSource`
   * is the position (`<partition>-<offset>`) of the batch's first record.
   */
  static async begin(view: PresenceView, outputs: Outputs, policy: PresencePolicy, firstSource: string): Promise<PresenceBatch> {
    await view.sync();
    const [partition, first] = firstSource.split('-');
    for (const d of view.departed()) {
      const [p, o] = d.source.split('-');
      if (p !== partition || BigInt(o ?? '0') < BigInt(first ?? '0')) {
        outputs.setPresence(departedPresenceKey(d.clientId), null);
      }
    }
    return new PresenceBatch(view, outputs, policy, firstSource);
  }

  client(id: string): ClientPresence | undefined {
    return this.clients.has(id) ? (this.clients.get(id) ?? undefined) : this.view.client(id);
  }

  connect(
    emit: Emitter,
    clientId: string,
    gateway: string,
    at: number,
    presence: PresenceMode = 'full',
    { connection, resumable }: { connection?: string; resumable?: boolean } = {},
  ): void {
    const { source } = emit;
    this.seen(gateway, at);
    const known = this.client(clientId);
    if (known) {
      if (known.source === source) this.connected.push({ clientId, source, presence });
      return;
    }
    const entry: ClientPresence = { kind: 'client', clientId, gateway, connectedAt: at, source, ...(connection ? { connection } : {}), ...(resumable ? { resumable } : {}) };
    this.setClient(entry);
    this.connected.push({ clientId, source, presence });
  }

  disconnect(emit: Emitter, clientId: string, at: number, end: ConnectionEnd = {}): void {
    const { source } = emit;
    const known = this.client(clientId);
    if (known) this.seen(known.gateway, at);
    if (!known) {
      const departed = this.view.departed().find((d) => d.clientId === clientId);
      if (departed?.source === source) this.disconnected.push({ clientId, source, presence: 'full' });
      return;
    }
    // A connection the client has left for another (it resumed), or an end already reserved.
    if ((end.connection && known.connection && end.connection !== known.connection) || known.away) return;
    if (end.reserve && known.resumable) this.reserve(emit, known, at, end.position);
    else this.remove(emit, clientId);
  }

  /** A client presented its resume token on a new connection: move it there, or say why not. */
  resume(emit: Emitter, { clientId, gateway, connection, at, presence = 'full' }: ResumeRecord): void {
    const { source } = emit;
    this.seen(gateway, at);
    const known = this.client(clientId);
    if (known?.source === source && known.resume) {
      // A retried batch: the same answer, with the same ids.
      emit.resumed(clientId, gateway, connection, known.resume.drop);
      if (known.resume.rejoined) this.connected.push({ clientId, source, presence });
      return;
    }
    if (known) {
      const drop = known.away?.position;
      const { away: _away, ...rest } = known;
      this.setClient({ ...rest, gateway, connection, source, resumable: true, resume: { ...(drop ? { drop } : {}), rejoined: false } });
      emit.resumed(clientId, gateway, connection, drop);
      return;
    }
    const ended = this.endedSession(clientId);
    if (!ended || at - ended.since > this.policy.windowMs) {
      emit.resumeRefused(gateway, connection, REFUSED);
      return;
    }
    this.setEnded(clientId, null);
    const drop = ended.position;
    this.setClient({ kind: 'client', clientId, gateway, connectedAt: at, source, connection, resumable: true, resume: { ...(drop ? { drop } : {}), rejoined: true } });
    emit.resumed(clientId, gateway, connection, drop);
    this.connected.push({ clientId, source, presence });
  }

  heartbeat(gateway: string, at: number, position?: string): void {
    this.alive(at);
    this.seen(gateway, at);
    const known = this.gateway(gateway);
    if (position && known && known.position !== position) this.setGateway({ ...known, position });
  }

  /** The gateway stopped cleanly; whatever clients it still had are gone. */
  gatewayDown(emit: Emitter, gateway: string, at: number): void {
    this.dropGateway(emit, gateway, at);
  }

  tick(at: number): void {
    this.alive(at);
  }

  /**
   * Expires gateways silent for too long, emits the pending announcements (as caused by the
   * batch's last record, `emit`), and writes the owner's state.
   */
  finish(emit: Emitter): void {
    const threshold = this.policy.timeoutMs - this.policy.tickMs;
    for (const g of this.allGateways()) {
      if (this.latest - g.lastSeen > threshold) {
        this.dropGateway(emit, g.gateway, this.latest);
        emit.gatewayExpired(g.gateway, g.lastSeen);
      }
    }
    for (const c of [...this.allAway()]) {
      if (this.latest - c.away.since >= this.policy.graceMs) this.remove(emit, c.clientId, c.away);
    }
    for (const e of [...this.allEnded()]) {
      if (this.latest - e.since > this.policy.windowMs) this.setEnded(e.clientId, null);
    }
    this.flush(emit);
    for (const id of this.touched) this.outputs.setPresence(gatewayPresenceKey(id), this.gateways.get(id) ?? null);
    this.outputs.setPresence(CLOCK_PRESENCE_KEY, { kind: 'clock', ...this.state, batch: this.firstSource, before: this.before });
  }

  /**
   * A liveness record (heartbeat, tick) at `at`. After a gap long enough to be a stall, every
   * gateway is judged from now on, not from before the stall: the owner (or the whole log) was
   * stopped, not the gateways.
   */
  private alive(at: number): void {
    if (this.state.at > 0 && at - this.state.at > stallGap(this.policy)) {
      for (const g of this.allGateways()) this.setGateway({ ...g, lastSeen: Math.max(g.lastSeen, at) });
    }
    this.state.at = Math.max(this.state.at, at);
    this.latest = Math.max(this.latest, at);
  }

  /** A record from a gateway proves it alive at `at`. */
  private seen(gateway: string, at: number): void {
    this.latest = Math.max(this.latest, at);
    const known = this.gateway(gateway);
    if (!known || known.lastSeen < at) this.setGateway({ ...known, kind: 'gateway', gateway, lastSeen: at });
  }

  private setClient(entry: ClientPresence): void {
    this.clients.set(entry.clientId, entry);
    this.outputs.setPresence(clientPresenceKey(entry.clientId), entry);
  }

  /** Keeps the id reserved (listed, reachable, nothing announced) until `graceMs` after `since`. */
  private reserve(emit: Emitter, known: ClientPresence, since: number, position: string | undefined): void {
    const away = { since, ...(position ? { position } : {}) };
    if (this.policy.graceMs > 0) this.setClient({ ...known, away });
    else this.remove(emit, known.clientId, away);
  }

  /** Removes the client and announces it gone; with `ended`, it may still resume until `windowMs` after that end. */
  private remove(emit: Emitter, clientId: string, ended?: { since: number; position?: string }): void {
    const { source } = emit;
    // Announce the connect before the disconnect of the same client.
    if (this.connected.some((c) => c.clientId === clientId)) this.flush(emit);
    this.clients.set(clientId, null);
    this.outputs.setPresence(clientPresenceKey(clientId), null);
    this.outputs.setPresence(departedPresenceKey(clientId), { kind: 'departed', clientId, source });
    this.disconnected.push({ clientId, source, presence: 'full' });
    if (ended) this.setEnded(clientId, { kind: 'ended', clientId, ...ended });
  }

  private setEnded(clientId: string, entry: EndedPresence | null): void {
    this.ended.set(clientId, entry);
    this.outputs.setPresence(endedPresenceKey(clientId), entry);
  }

  private endedSession(id: string): EndedPresence | undefined {
    return this.ended.has(id) ? (this.ended.get(id) ?? undefined) : this.view.ended(id);
  }

  /** Clients in their grace period: the view's index, as this batch changed it. */
  private *allAway(): Generator<ClientPresence & { away: NonNullable<ClientPresence['away']> }> {
    for (const c of this.view.away()) {
      const now = this.clients.has(c.clientId) ? this.clients.get(c.clientId) : c;
      if (now?.away) yield { ...now, away: now.away };
    }
    for (const c of this.clients.values()) if (c?.away && !this.view.client(c.clientId)?.away) yield { ...c, away: c.away };
  }

  private *allEnded(): Generator<EndedPresence> {
    for (const e of this.view.endedSessions()) {
      const now = this.ended.has(e.clientId) ? this.ended.get(e.clientId) : e;
      if (now) yield now;
    }
    for (const e of this.ended.values()) if (e && !this.view.ended(e.clientId)) yield e;
  }

  private setGateway(entry: GatewayPresence): void {
    this.gateways.set(entry.gateway, entry);
    this.touched.add(entry.gateway);
  }

  /** Its clients are gone, or reserved (from its last known position) when they can resume. */
  private dropGateway(emit: Emitter, gateway: string, at: number): void {
    const position = this.gateway(gateway)?.position;
    for (const c of [...this.allClients()]) {
      if (c.gateway !== gateway || c.away) continue;
      if (c.resumable) this.reserve(emit, c, at, position);
      else this.remove(emit, c.clientId);
    }
    if (this.gateway(gateway)) {
      this.gateways.set(gateway, null);
      this.touched.add(gateway);
    }
  }

  private gateway(id: string): GatewayPresence | undefined {
    return this.gateways.has(id) ? (this.gateways.get(id) ?? undefined) : this.view.gateways().find((g) => g.gateway === id);
  }

  /** Connected clients, oldest first: the view's, as this batch changed them. */
  private *allClients(): Generator<ClientPresence> {
    for (const c of this.view.clients()) {
      const changed = this.clients.get(c.clientId);
      if (changed === undefined) yield c;
      else if (changed !== null) yield changed;
    }
    for (const [id, c] of this.clients) if (c && !this.view.client(id)) yield c;
  }

  private allGateways(): GatewayPresence[] {
    const merged = new Map(this.view.gateways().map((g) => [g.gateway, g] as [string, GatewayPresence | null]));
    for (const [id, g] of this.gateways) merged.set(id, g);
    return [...merged.values()].filter((g): g is GatewayPresence => g !== null);
  }

  private clientCount(): number {
    let n = this.view.size;
    for (const [id, c] of this.clients) n += (c ? 1 : 0) - (this.view.client(id) ? 1 : 0);
    return n;
  }

  /** Every client while there are at most `fullListMax`; beyond, the oldest `partialListMax` and how many there are in all. */
  private listFrame(): ClientListFrame {
    const total = this.clientCount();
    const max = total <= this.policy.fullListMax ? total : this.policy.partialListMax;
    const clients: string[] = [];
    for (const c of this.allClients()) {
      if (clients.length === max) break;
      clients.push(c.clientId);
    }
    return total > clients.length ? { type: 'client-list', clients, total, truncated: true } : { type: 'client-list', clients };
  }

  /**
   * Newcomers get their lists now; notices wait, so that a burst of changes costs each socket one
   * write per `listIntervalMs`: the first change after a quiet interval goes out at once, later
   * ones with the next batch or tick after the interval. Notices take ids from the record that
   * caused them, so a retry repeats them exactly.
   */
  private flush(emit: Emitter): void {
    // A client's connect and disconnect in one batch are flushed apart (see remove), so this keeps their order.
    for (const { clientId, source } of this.disconnected) this.hold({ clientId, source, change: 'gone' });
    for (const { clientId, source } of this.connected) this.hold({ clientId, source, change: 'new' });
    const { held, summaryPending, noticeAt } = this.state;
    // noticeAt 0: none went out yet.
    const due = (held.length > 0 || summaryPending) && (noticeAt === 0 || this.latest - noticeAt >= this.policy.listIntervalMs);
    const small = this.clientCount() <= this.policy.fullListMax;
    let list: ClientListFrame | undefined;
    const listFrame = (): ClientListFrame => (list ??= this.listFrame());
    for (const { clientId, source, presence } of this.connected) {
      // A `full` newcomer gets the full list below, with everyone else.
      if (presence === 'delta' || (presence === 'full' && !(due && small))) {
        emit.deliver(PRESENCE_KEY, { type: 'clients', ids: [clientId] }, listFrame(), `${source}-list-${clientId}`);
      }
    }
    if (due) this.announce(emit, small, listFrame);
    this.connected = [];
    this.disconnected = [];
  }

  /** The held notices (with the full list while the cluster is small), or the capped list that replaces them. */
  private announce(emit: Emitter, small: boolean, listFrame: () => ClientListFrame): void {
    const deltas = { type: 'all', presence: 'delta' } as const;
    if (this.state.summaryPending) {
      emit.deliver(PRESENCE_KEY, deltas, listFrame());
    } else {
      // In the order they happened, the list (the state after them all) before the first connect:
      // the original order, `client-disconnected` then the list, the list then `client-connected`.
      let listed = !small;
      const list = (): void => {
        emit.deliver(PRESENCE_KEY, { type: 'all', presence: 'full' }, listFrame());
        listed = true;
      };
      for (const { change, clientId, source } of this.state.held) {
        if (change === 'new' && !listed) list();
        const type = change === 'new' ? 'client-connected' : 'client-disconnected';
        emit.deliver(PRESENCE_KEY, deltas, { type, clientId }, `${source}-${change}-${clientId}`);
      }
      if (!listed) list();
    }
    this.state.noticeAt = this.latest;
    this.state.held = [];
    this.state.summaryPending = false;
  }

  /** A change to announce; past `noticeMax` held, the next announcement is a list instead. */
  private hold(change: HeldChange): void {
    const { held, summaryPending } = this.state;
    if (summaryPending) return;
    if (held.length < this.policy.noticeMax) held.push(change);
    else {
      // The list replaces them: the state record stays small however long the burst.
      this.state.held = [];
      this.state.summaryPending = true;
    }
  }
}

/** The state part of a clock record. */
function stateOf({ at, noticeAt, held, summaryPending }: PresenceState): PresenceState {
  return { at, noticeAt, held, summaryPending };
}
