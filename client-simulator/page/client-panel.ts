import type { ClientFrame, ServerFrame } from '@cmf/shared/protocol';
import { ClientListView } from './client-list-view.js';
import { ClientSession, type SessionSettings, type SessionState } from './client-session.js';
import type { CloseReason } from './close-reason.js';
import { Composer } from './composer.js';
import type { ConfirmDialog } from './confirm-dialog.js';
import { el, part } from './dom.js';
import type { FrameRules } from './frame-rules.js';
import { LatencyTracker } from './latency.js';
import { entryForFrame, wantsToast, type EntryKind, type LogEntry } from './log-entry.js';
import { isLogView, LOG_VIEWS } from './log-filter.js';
import { MessageLog } from './message-log.js';
import { RawSender } from './raw-sender.js';
import type { ResumeNote } from './resume-state.js';
import { StatusView, type ConnectionState } from './status-view.js';
import { Toasts } from './toasts.js';

export interface PanelDeps {
  /** "Client 2": the panel's name in tabs and in other panels' client lists. */
  name: string;
  settings: SessionSettings & { frameLimit(): number; checkedUrl(): string | undefined };
  rules: FrameRules;
  confirm: ConfirmDialog;
  /** The name of another simulated client of this page, by client id. */
  labelOf(clientId: string): string | undefined;
  /** Its state, id or unread count changed: the tab redraws. */
  changed(): void;
  remove(): void;
}

const realClock = {
  now: () => Date.now(),
  setTimeout: (run: () => void, ms: number) => window.setTimeout(run, ms),
  clearTimeout: (handle: unknown) => window.clearTimeout(handle as number),
  random: Math.random,
};

/** Broadcast frames typed in the raw box are timed too. */
function broadcastText(raw: string): string | undefined {
  try {
    const frame = JSON.parse(raw) as { type?: unknown; message?: unknown };
    return (frame.type === 'broadcast-all' || frame.type === 'broadcast') && typeof frame.message === 'string' ? frame.message : undefined;
  } catch {
    return undefined;
  }
}

/** One simulated client: its own socket, id, client list, log, composer and toasts. */
export class ClientPanel {
  readonly root: HTMLElement;
  readonly session: ClientSession;
  unread = 0;
  private visible = false;
  /** Who is connected, as the server said: a set, so a presence change costs the same with 10,000 clients as with 2. */
  private clients = new Set<string>();
  private countdown: number | undefined;
  private readonly status: StatusView;
  private readonly log: MessageLog;
  private readonly toasts: Toasts;
  private readonly list: ClientListView;
  private readonly composer: Composer;
  private readonly raw: RawSender;
  private readonly latency = new LatencyTracker();
  private readonly latencyView: HTMLElement;
  private readonly buttons: { connect: HTMLButtonElement; disconnect: HTMLButtonElement; reconnectNow: HTMLButtonElement };

  constructor(
    template: HTMLTemplateElement,
    private readonly deps: PanelDeps,
  ) {
    const fragment = template.content.cloneNode(true) as DocumentFragment;
    this.root = part(fragment, '.panel', HTMLElement);
    this.root.setAttribute('aria-label', deps.name);
    this.status = new StatusView(part(this.root, '.status', HTMLElement), part(this.root, '.status__text', HTMLElement));
    this.latencyView = part(this.root, '.latency', HTMLElement);
    this.buttons = {
      connect: part(this.root, '.connect', HTMLButtonElement),
      disconnect: part(this.root, '.disconnect', HTMLButtonElement),
      reconnectNow: part(this.root, '.reconnect-now', HTMLButtonElement),
    };
    this.toasts = new Toasts(part(this.root, '.toasts', HTMLElement));
    this.log = new MessageLog(part(this.root, '.log', HTMLOListElement), part(this.root, '.log-count', HTMLElement), (count) => {
      if (!this.visible) {
        this.unread += count;
        deps.changed();
      }
    });
    this.list = new ClientListView(
      {
        list: part(this.root, '.client-list', HTMLUListElement),
        count: part(this.root, '.client-count', HTMLElement),
        target: part(this.root, '.target', HTMLSelectElement),
      },
      () => this.composer?.render(),
      (id) => deps.labelOf(id),
    );
    this.session = new ClientSession(deps.settings, deps.rules, (url) => new WebSocket(url), realClock, {
      state: (state) => this.onState(state),
      frame: (frame, raw, replayed) => this.onFrame(frame, raw, replayed),
      invalid: (raw, problem) => this.note('invalid', `Unparseable frame (${problem}): ${raw.slice(0, 300)}`, undefined, raw),
      resume: (note) => this.onResume(note),
      closed: (reason, reconnecting, kicked) => this.onClosed(reason, reconnecting, kicked),
    });
    this.composer = new Composer(this.root, {
      clients: this.list,
      confirm: deps.confirm,
      limit: () => deps.settings.frameLimit(),
      ready: () => this.session.ready,
      others: () => {
        const self = this.session.clientId;
        return this.clients.size - (self !== undefined && this.clients.has(self) ? 1 : 0);
      },
      send: (frame) => this.sendFrame(frame),
    });
    this.raw = new RawSender(this.root, {
      limit: () => deps.settings.frameLimit(),
      ready: () => this.session.ready,
      send: (text) => this.sendRaw(text),
    });
    this.wireControls();
    this.onState(this.session.state);
  }

  /** The client id once welcomed. */
  get clientId(): string | undefined {
    return this.session.clientId;
  }

  get phase(): SessionState['phase'] {
    return this.session.state.phase;
  }

  connect(): void {
    if (!this.deps.settings.checkedUrl()) return;
    if (this.session.connect()) this.note('system', `Connecting to ${this.deps.settings.url()}`);
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible && this.unread > 0) {
      this.unread = 0;
      this.deps.changed();
    }
  }

  dismissToast(): boolean {
    return this.toasts.dismissNewest();
  }

  /** Names of the other simulated clients changed. */
  refreshLabels(): void {
    this.list.refresh();
  }

  dispose(): void {
    window.clearInterval(this.countdown);
    this.session.dispose();
    this.root.remove();
  }

  private wireControls(): void {
    const { connect, disconnect, reconnectNow } = this.buttons;
    connect.addEventListener('click', () => this.connect());
    disconnect.addEventListener('click', () => this.session.disconnect());
    reconnectNow.addEventListener('click', () => this.session.reconnectNow());
    part(this.root, '.remove', HTMLButtonElement).addEventListener('click', () => this.deps.remove());
    part(this.root, '.clear-log', HTMLButtonElement).addEventListener('click', () => this.log.clear());
    const view = part(this.root, '.log-view', HTMLSelectElement);
    for (const [value, { label }] of Object.entries(LOG_VIEWS)) {
      const option = el('option', undefined, label);
      option.value = value;
      view.append(option);
    }
    const search = part(this.root, '.log-search', HTMLInputElement);
    const filter = (): void => this.log.setFilter({ view: isLogView(view.value) ? view.value : 'all', search: search.value });
    view.addEventListener('change', filter);
    search.addEventListener('input', filter);
  }

  private note(kind: EntryKind, text: string, who?: string, raw?: string): void {
    this.log.add({ kind, at: Date.now(), text, ...(who ? { who } : {}), ...(raw !== undefined ? { raw } : {}) });
  }

  private sendFrame(frame: ClientFrame): boolean {
    const text = JSON.stringify(frame);
    if (!this.session.send(text)) return false;
    // A broadcast comes back to us like to everyone else; the rest does not, so it is logged here.
    if (frame.type === 'broadcast-all') this.latency.sent(frame.message, performance.now());
    else if (frame.type === 'broadcast-one') this.note('sent', frame.message, `you → ${frame.targetId}`, text);
    else if (frame.type === 'kick-one') this.note('sent', 'kick', `you → ${frame.targetId}`, text);
    else if (frame.type === 'kick-all') this.note('sent', 'kick all', 'you → everyone', text);
    return true;
  }

  private sendRaw(text: string): boolean {
    if (!this.session.send(text)) return false;
    const broadcast = broadcastText(text);
    if (broadcast !== undefined) this.latency.sent(broadcast, performance.now());
    this.note('sent', text, 'you, raw', text);
    return true;
  }

  private showClients(): void {
    this.list.update(this.clients, this.session.clientId);
  }

  /** Keeps the client list in step with a frame; false when the frame says nothing about it. */
  private followPresence(frame: ServerFrame): boolean {
    switch (frame.type) {
      case 'client-list':
        this.clients = new Set(frame.clients);
        return true;
      case 'client-connected':
        this.clients.add(frame.clientId);
        return true;
      case 'client-disconnected':
        this.clients.delete(frame.clientId);
        return true;
      case 'welcome':
        // A fresh session's list follows its welcome; a resumed one keeps the list and gets the changes it missed.
        if (!frame.resumed) this.clients = new Set();
        return true;
      default:
        return false;
    }
  }

  private onFrame(frame: ServerFrame, raw: string, replayed: boolean): void {
    const self = this.session.clientId;
    if (this.followPresence(frame)) this.showClients();
    const entry = entryForFrame(frame, self, Date.now());
    if (!entry) return;
    const timed: LogEntry = { ...entry, raw, ...(replayed ? { replayed } : {}) };
    if (frame.type === 'kafka' && frame.from === self && !replayed) {
      const latency = this.latency.echoed(frame.message, performance.now());
      if (latency !== undefined) {
        timed.latencyMs = latency;
        this.showLatency();
      }
    }
    this.log.add(timed);
    if (!replayed && wantsToast(frame, self)) this.toasts.show(entry.kind, toastTitle(entry), entry.text);
  }

  private onResume(note: ResumeNote): void {
    if (note.kind === 'fresh' && note.notResumed) {
      this.note('system', `The server did not resume the session (it does not support resume, or did not accept the token): this is a new client, ${note.clientId}, and what was sent while away is not replayed.`);
    } else if (note.kind === 'resumed') {
      if (note.complete === false) {
        this.note('error', 'Part of what was sent while disconnected is no longer kept by the server (complete: false): those messages are lost.', 'resume incomplete');
      }
      if (note.idChanged) this.note('error', `The server resumed the session under another id, ${note.clientId}.`, 'resume');
    }
  }

  private onClosed(reason: CloseReason, reconnecting: boolean, kicked: string | undefined): void {
    this.latency.forgetPending();
    // Kept while it reconnects: a resume carries on from this list.
    if (!reconnecting) {
      this.clients = new Set();
      this.showClients();
    }
    const detail = kicked ? `${kicked} (${reason.detail})` : reason.detail;
    this.note('system', `Disconnected: ${reason.label}, ${detail}${reconnecting ? '. Reconnecting on its own.' : ''}`);
  }

  private onState(state: SessionState): void {
    window.clearInterval(this.countdown);
    this.countdown = undefined;
    const { connect, disconnect, reconnectNow } = this.buttons;
    connect.disabled = state.phase !== 'idle' && state.phase !== 'closed';
    disconnect.disabled = !connect.disabled;
    // While waiting, "Reconnect now" takes Connect's place.
    reconnectNow.hidden = state.phase !== 'waiting';
    connect.hidden = !reconnectNow.hidden;
    if (state.phase === 'connecting' && state.attempt > 0) this.note('system', `Reconnecting to ${state.url} (attempt ${state.attempt})`);
    if (state.phase === 'waiting') {
      this.showWaiting(state);
      this.countdown = window.setInterval(() => this.showWaiting(state), 250);
    } else {
      const [shown, text] = statusOf(state);
      this.status.show(shown, text);
    }
    this.composer?.render();
    this.raw?.render();
    this.deps.changed();
  }

  private showWaiting(state: Extract<SessionState, { phase: 'waiting' }>): void {
    const seconds = Math.max(0, Math.ceil((state.dueAt - realClock.now()) / 1000));
    this.status.show('waiting', `Reconnecting in ${seconds} s (attempt ${state.attempt}): ${state.reason.label}, ${state.reason.detail}`);
  }

  private showLatency(): void {
    const { count, p50, p99 } = this.latency.stats();
    this.latencyView.hidden = false;
    this.latencyView.textContent = `latency p50 ${Math.round(p50)} ms · p99 ${Math.round(p99)} ms (${count})`;
  }
}

function statusOf(state: Exclude<SessionState, { phase: 'waiting' }>): [ConnectionState, string] {
  switch (state.phase) {
    case 'idle':
      return ['idle', 'Not connected'];
    case 'connecting':
      return ['connecting', state.attempt > 0 ? `Reconnecting to ${state.url} (attempt ${state.attempt})` : `Connecting to ${state.url}`];
    case 'open':
      return ['open', state.clientId ? `Connected as ${state.clientId}` : 'Open, waiting for welcome'];
    case 'closed': {
      const detail = state.kickedMessage ? `${state.kickedMessage} (${state.reason.detail})` : state.reason.detail;
      return ['closed', `Closed: ${state.reason.label}, ${detail}`];
    }
  }
}

function toastTitle(entry: LogEntry): string {
  switch (entry.kind) {
    case 'broadcast':
      return `Broadcast from ${entry.who ?? 'unknown'}`;
    case 'direct':
      return `Direct message from ${entry.who ?? 'unknown'}`;
    case 'kicked':
      return 'You were kicked';
    default:
      return entry.who ? `Error: ${entry.who}` : 'Error';
  }
}
