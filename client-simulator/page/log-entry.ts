import type { ServerFrame, WelcomeFrame } from '@cmf/shared/protocol';

/** How an entry of the message log is styled; the first six are frames the server sends. */
export type EntryKind = 'welcome' | 'broadcast' | 'direct' | 'error' | 'kicked' | 'presence' | 'sent' | 'system' | 'invalid';

export interface LogEntry {
  kind: EntryKind;
  /** Epoch ms: the server's timestamp when the frame has one, else when it arrived. */
  at: number;
  /** Who it is from or to, e.g. `client-x-1`, `you → client-y-2`. */
  who?: string;
  text: string;
  /** The frame as it went over the wire, for the JSON view; none for the page's own notes. */
  raw?: string;
  /** Part of the replay of what was missed while disconnected. */
  replayed?: boolean;
  /** Our own broadcast come back: ms from sending to the echo. */
  latencyMs?: number;
}

/** A welcome says whether it resumed a session (issue 11's `resumed`, `complete`, `resumeToken`). */
function welcomeText(frame: WelcomeFrame): string {
  const extra = frame as WelcomeFrame & { resumed?: unknown; complete?: unknown; resumeToken?: unknown };
  if (extra.resumed === true) {
    const gap = extra.complete === false ? 'only part of what was missed follows' : 'what was missed follows, marked replayed';
    return `Resumed as ${frame.clientId}: ${gap}`;
  }
  return typeof extra.resumeToken === 'string' && extra.resumeToken ? `Connected as ${frame.clientId} (resumable)` : `Connected as ${frame.clientId}`;
}

/** The log entry for a frame from the server; undefined for the client list, which the sidebar shows. */
export function entryForFrame(frame: ServerFrame, self: string | undefined, receivedAt: number): LogEntry | undefined {
  const fromWho = (from: string): string => (from === self ? `${from} (you)` : from);
  switch (frame.type) {
    case 'welcome':
      return { kind: 'welcome', at: receivedAt, who: frame.clientId, text: welcomeText(frame) };
    case 'kafka':
      return { kind: 'broadcast', at: frame.timestamp, who: fromWho(frame.from), text: frame.message };
    case 'direct':
      return { kind: 'direct', at: frame.timestamp, who: fromWho(frame.from), text: frame.message };
    case 'error':
      return { kind: 'error', at: receivedAt, who: frame.code, text: frame.message };
    case 'kicked':
      return { kind: 'kicked', at: receivedAt, text: frame.message };
    case 'client-connected':
      return { kind: 'presence', at: receivedAt, who: fromWho(frame.clientId), text: 'connected' };
    case 'client-disconnected':
      return { kind: 'presence', at: receivedAt, who: fromWho(frame.clientId), text: 'disconnected' };
    case 'client-list':
      return undefined;
  }
}

/** Incoming broadcasts (not our own echo), direct messages, errors and kicks pop a toast. */
export function wantsToast(frame: ServerFrame, self: string | undefined): boolean {
  switch (frame.type) {
    case 'kafka':
      return frame.from !== self;
    case 'direct':
    case 'error':
    case 'kicked':
      return true;
    default:
      return false;
  }
}
