import type { ServerFrame } from '@cmf/shared/protocol';

/**
 * What a client must remember to resume after a dropped connection (the resume protocol of
 * issue 11): the token of its last `welcome` and the id of the last replayable frame. Pure
 * functions over a plain value, so every rule is unit-tested without a socket.
 */
export interface ResumeState {
  /** Our id, from the last welcome. */
  clientId?: string;
  /** The last welcome's `resumeToken`; servers without resume send none. */
  token?: string;
  /** `id` of the last frame that had one: where the server resumes from. */
  lastId?: string;
  /** The connection in progress asked to resume. */
  attempted: boolean;
  /** Local time the resumed welcome arrived, while its replay is still arriving. */
  replayingSince?: number;
}

export const initialResume: ResumeState = { attempted: false };

/** What a welcome or a refusal means for the user. */
export type ResumeNote =
  | { kind: 'fresh'; clientId: string; resumable: boolean; notResumed: boolean }
  | { kind: 'resumed'; clientId: string; complete: boolean | undefined; idChanged: boolean }
  | { kind: 'refused'; reason: string };

export interface TrackedFrame {
  state: ResumeState;
  /** The frame is part of the replay of what was missed. */
  replayed: boolean;
  note?: ResumeNote;
}

export const RESUME_REFUSED = 'resume-refused';

/** `?resume=<token>&last=<id>` on the gateway URL; `last` is left out when nothing had an id. */
export function resumeUrl(base: string, token: string, lastId: string | undefined): string {
  const url = new URL(base);
  url.searchParams.set('resume', token);
  if (lastId === undefined) url.searchParams.delete('last');
  else url.searchParams.set('last', lastId);
  return url.href;
}

/** The URL of the next connection: resuming when asked to and a token is known, else fresh. */
export function beginConnection(state: ResumeState, base: string, resume: boolean): { url: string; state: ResumeState } {
  const { replayingSince: _done, ...rest } = state;
  if (resume && state.token) return { url: resumeUrl(base, state.token, state.lastId), state: { ...rest, attempted: true } };
  return { url: base, state: { ...rest, attempted: false } };
}

const field = (frame: ServerFrame, name: string): unknown => (frame as unknown as Record<string, unknown>)[name];

/**
 * Follows one valid frame. After a resumed welcome, frames are the replay until the first one
 * stamped at or after that welcome arrived: the server sends the gap in order, then the live
 * stream. Frames without a timestamp (presence, kicks) count as replay until then; with clocks
 * that disagree, the seam moves by the difference.
 */
export function trackFrame(state: ResumeState, frame: ServerFrame, receivedAt: number): TrackedFrame {
  if (frame.type === 'welcome') {
    const token = field(frame, 'resumeToken');
    const fresh = typeof token === 'string' && token !== '' ? token : undefined;
    if (field(frame, 'resumed') === true) {
      const complete = field(frame, 'complete');
      return {
        state: { clientId: frame.clientId, token: fresh ?? state.token, lastId: state.lastId, attempted: false, replayingSince: receivedAt },
        replayed: false,
        note: {
          kind: 'resumed',
          clientId: frame.clientId,
          complete: typeof complete === 'boolean' ? complete : undefined,
          idChanged: state.clientId !== undefined && state.clientId !== frame.clientId,
        },
      };
    }
    return {
      state: { clientId: frame.clientId, ...(fresh ? { token: fresh } : {}), attempted: false },
      replayed: false,
      note: { kind: 'fresh', clientId: frame.clientId, resumable: fresh !== undefined, notResumed: state.attempted },
    };
  }
  if (frame.type === 'error' && frame.code === RESUME_REFUSED) {
    // A fresh welcome follows; the old id and position are gone.
    const { token: _t, lastId: _l, replayingSince: _r, ...rest } = state;
    return { state: { ...rest, attempted: false }, replayed: false, note: { kind: 'refused', reason: frame.message } };
  }
  const id = field(frame, 'id');
  let next = typeof id === 'string' ? { ...state, lastId: id } : state;
  let replayed = false;
  if (next.replayingSince !== undefined) {
    const timestamp = field(frame, 'timestamp');
    if (typeof timestamp === 'number' && timestamp >= next.replayingSince) {
      const { replayingSince: _live, ...live } = next;
      next = live;
    } else {
      replayed = true;
    }
  }
  return { state: next, replayed };
}
