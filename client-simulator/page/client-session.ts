import type { ServerFrame } from '@cmf/shared/protocol';
import { describeClose, type CloseReason } from './close-reason.js';
import { parseServerFrame, type FrameRules } from './frame-rules.js';
import { backoffDelay, nextAttempt, shouldReconnect } from './reconnect-policy.js';
import { beginConnection, initialResume, trackFrame, type ResumeNote, type ResumeState } from './resume-state.js';

/** The parts of a WebSocket the session uses; the page passes the browser's, tests a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

/** The shared settings, read at each connection. */
export interface SessionSettings {
  /** The gateway's ws:// or wss:// URL; undefined when the field holds something else. */
  url(): string | undefined;
  autoReconnect(): boolean;
  resume(): boolean;
}

export type SessionState =
  | { phase: 'idle' }
  | { phase: 'connecting'; url: string; attempt: number }
  | { phase: 'open'; clientId?: string; resumable: boolean }
  | { phase: 'waiting'; attempt: number; dueAt: number; reason: CloseReason }
  | { phase: 'closed'; reason: CloseReason; kickedMessage?: string };

export interface SessionEvents {
  state(state: SessionState): void;
  frame(frame: ServerFrame, raw: string, replayed: boolean): void;
  invalid(raw: string, problem: string): void;
  resume(note: ResumeNote): void;
  /** A connection ended; `reconnecting` says whether another attempt is scheduled. */
  closed(reason: CloseReason, reconnecting: boolean, kickedMessage: string | undefined): void;
}

const OPEN = 1;

/**
 * One simulated client: its socket, its reconnects and its resume bookkeeping. Connect and
 * Disconnect are the user's; reconnects after an abnormal close are the session's own, with
 * backoff, resuming with the last token when resume is on.
 */
export class ClientSession {
  private socket: SocketLike | undefined;
  private current: SessionState = { phase: 'idle' };
  private resumeState: ResumeState = initialResume;
  private attempt = 0;
  private timer: unknown;
  private openedAt: number | undefined;
  private kickedMessage: string | undefined;
  private closingByUser = false;

  constructor(
    private readonly settings: SessionSettings,
    private readonly rules: FrameRules,
    private readonly openSocket: (url: string) => SocketLike,
    private readonly clock: Clock,
    private readonly events: SessionEvents,
  ) {}

  get state(): SessionState {
    return this.current;
  }

  /** Sends are possible: open and welcomed. */
  get ready(): boolean {
    return this.current.phase === 'open' && this.current.clientId !== undefined && this.socket?.readyState === OPEN;
  }

  get clientId(): string | undefined {
    return this.current.phase === 'open' ? this.current.clientId : undefined;
  }

  /** The user's Connect: a fresh client. False when already connecting, open or waiting, or the URL is not valid. */
  connect(): boolean {
    if (this.current.phase !== 'idle' && this.current.phase !== 'closed') return false;
    const url = this.settings.url();
    if (!url) return false;
    this.resumeState = initialResume;
    this.attempt = 0;
    this.start(url);
    return true;
  }

  /** The user's Disconnect: closes the socket or cancels the pending reconnect. */
  disconnect(): void {
    if (this.current.phase === 'waiting') {
      this.clock.clearTimeout(this.timer);
      const reason = describeClose({ code: 1000, reason: '', byUser: true, opened: false });
      this.setState({ phase: 'closed', reason });
      this.events.closed(reason, false, undefined);
    } else if (this.socket) {
      this.closingByUser = true;
      this.socket.close(1000, 'Disconnect');
    }
  }

  /** The client is removed: close without reporting anything further. */
  dispose(): void {
    this.clock.clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000, 'Client removed');
  }

  /** Skips the countdown. */
  reconnectNow(): void {
    if (this.current.phase !== 'waiting') return;
    this.clock.clearTimeout(this.timer);
    this.retry();
  }

  /** Sends text as it is; false when not open. */
  send(text: string): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(text);
    return true;
  }

  private retry(): void {
    const url = this.settings.url();
    if (!url) {
      const reason = { label: 'the server URL is not valid', detail: 'fix it, then Connect' };
      this.setState({ phase: 'closed', reason });
      this.events.closed(reason, false, undefined);
      return;
    }
    this.start(url);
  }

  private start(base: string): void {
    const { url, state } = beginConnection(this.resumeState, base, this.attempt > 0 && this.settings.resume());
    this.resumeState = state;
    this.openedAt = undefined;
    this.kickedMessage = undefined;
    this.closingByUser = false;
    const socket = this.openSocket(url);
    this.socket = socket;
    this.setState({ phase: 'connecting', url, attempt: this.attempt });
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      this.openedAt = this.clock.now();
      this.setState({ phase: 'open', resumable: false });
    });
    socket.addEventListener('message', (event) => {
      if (this.socket === socket) this.receive(event.data);
    });
    // An 'error' event is always followed by 'close', which carries the code.
    socket.addEventListener('close', (event) => {
      if (this.socket === socket) this.ended(event.code, event.reason);
    });
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') {
      this.events.invalid('(binary frame)', 'binary frames are not part of the protocol');
      return;
    }
    const parsed = parseServerFrame(data, this.rules);
    if (!parsed.ok) {
      this.events.invalid(data, parsed.problem);
      return;
    }
    const { frame } = parsed;
    const tracked = trackFrame(this.resumeState, frame, this.clock.now());
    this.resumeState = tracked.state;
    if (frame.type === 'welcome') this.setState({ phase: 'open', clientId: frame.clientId, resumable: tracked.state.token !== undefined });
    if (frame.type === 'kicked') this.kickedMessage = frame.message;
    this.events.frame(frame, data, tracked.replayed);
    // What the frame means for the resume, after the frame itself.
    if (tracked.note) this.events.resume(tracked.note);
  }

  private ended(code: number, reasonText: string): void {
    this.socket = undefined;
    const opened = this.openedAt !== undefined;
    const facts = { code, reason: reasonText, byUser: this.closingByUser, opened, retrying: this.attempt > 0 };
    const reason = describeClose(facts);
    const kicked = this.kickedMessage;
    if (this.settings.autoReconnect() && shouldReconnect(facts)) {
      this.attempt = nextAttempt(this.attempt, opened ? this.clock.now() - this.openedAt! : undefined);
      const delay = backoffDelay(this.attempt, () => this.clock.random());
      this.timer = this.clock.setTimeout(() => this.retry(), delay);
      this.setState({ phase: 'waiting', attempt: this.attempt, dueAt: this.clock.now() + delay, reason });
      this.events.closed(reason, true, kicked);
      return;
    }
    this.setState({ phase: 'closed', reason, ...(kicked ? { kickedMessage: kicked } : {}) });
    this.events.closed(reason, false, kicked);
  }

  private setState(state: SessionState): void {
    this.current = state;
    this.events.state(state);
  }
}
