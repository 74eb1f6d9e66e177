import type { ServerFrame } from '@cmf/shared/protocol';
import { beginConnection, initialResume, resumeUrl, trackFrame, type ResumeState, type TrackedFrame } from '../page/resume-state.js';

const base = 'ws://127.0.0.1:8088/';
const at = 1_700_000_000_000;
const frame = (value: object): ServerFrame => value as ServerFrame;
const kafka = (id: string, timestamp: number, message = 'm'): ServerFrame => frame({ type: 'kafka', from: 'client-b-1', message, timestamp, id });

/** Feeds frames in order, returning each step's result. */
function feed(state: ResumeState, frames: ServerFrame[], receivedAt = at): TrackedFrame[] {
  const steps: TrackedFrame[] = [];
  for (const f of frames) {
    const step = trackFrame(state, f, receivedAt);
    steps.push(step);
    state = step.state;
  }
  return steps;
}

test('resumeUrl adds the token and the last id, keeping the path and other parameters', () => {
  expect(resumeUrl(base, 'tok en/+', '3-0-1')).toBe('ws://127.0.0.1:8088/?resume=tok+en%2F%2B&last=3-0-1');
  expect(resumeUrl('wss://cmf.example.com/ws?tenant=a&last=old', 't', undefined)).toBe('wss://cmf.example.com/ws?tenant=a&resume=t');
  expect(new URL(resumeUrl(base, 'a&b=c', 'x#y')).searchParams.get('resume')).toBe('a&b=c');
  expect(new URL(resumeUrl(base, 'a&b=c', 'x#y')).searchParams.get('last')).toBe('x#y');
});

test('a first connection, or one without a token, is fresh; with a token and resume on, it resumes from the last id', () => {
  expect(beginConnection(initialResume, base, true)).toEqual({ url: base, state: { attempted: false } });
  const [welcome, , second] = feed(initialResume, [
    frame({ type: 'welcome', clientId: 'client-a-1', resumeToken: 'T1' }),
    kafka('1-0-1', at - 5),
    kafka('1-0-2', at - 4),
  ]);
  expect(welcome!.note).toEqual({ kind: 'fresh', clientId: 'client-a-1', resumable: true, notResumed: false });
  expect(second!.state).toEqual({ clientId: 'client-a-1', token: 'T1', lastId: '1-0-2', attempted: false });
  expect(beginConnection(second!.state, base, true)).toEqual({
    url: `${base}?resume=T1&last=1-0-2`,
    state: { clientId: 'client-a-1', token: 'T1', lastId: '1-0-2', attempted: true },
  });
  // Resume turned off: a fresh connection, though the token is kept.
  expect(beginConnection(second!.state, base, false).url).toBe(base);
});

test('every frame with an id moves the position, whatever its type; frames without one do not', () => {
  const steps = feed({ clientId: 'client-a-1', token: 'T', attempted: false }, [
    frame({ type: 'client-connected', clientId: 'client-b-2', id: 'p-1' }),
    frame({ type: 'client-list', clients: ['client-a-1'], id: 'p-2' }),
    frame({ type: 'error', code: 'unknown-target', message: 'no' }),
    frame({ type: 'direct', from: 'client-b-2', message: 'hi', timestamp: 1, id: 'd-1' }),
    frame({ type: 'kicked', message: 'bye' }),
  ]);
  expect(steps.map((s) => s.state.lastId)).toEqual(['p-1', 'p-2', 'p-2', 'd-1', 'd-1']);
  expect(steps.every((s) => !s.replayed)).toBe(true);
});

test('after a resumed welcome the replay is marked until the first frame stamped after it; then live', () => {
  const before: ResumeState = { clientId: 'client-a-1', token: 'T1', lastId: '1-0-2', attempted: true };
  const steps = feed(before, [
    frame({ type: 'welcome', clientId: 'client-a-1', resumeToken: 'T2', resumed: true, complete: true }),
    kafka('1-0-3', at - 3_000),
    frame({ type: 'client-disconnected', clientId: 'client-c-1', id: 'p-9' }),
    frame({ type: 'direct', from: 'client-b-1', message: 'while away', timestamp: at - 1, id: '2-0-1' }),
    kafka('1-0-4', at + 10),
    frame({ type: 'client-connected', clientId: 'client-d-1', id: 'p-10' }),
  ]);
  expect(steps[0]!.note).toEqual({ kind: 'resumed', clientId: 'client-a-1', complete: true, idChanged: false });
  expect(steps[0]!.state).toEqual({ clientId: 'client-a-1', token: 'T2', lastId: '1-0-2', attempted: false, replayingSince: at });
  expect(steps.map((s) => s.replayed)).toEqual([false, true, true, true, false, false]);
  expect(steps[5]!.state).toEqual({ clientId: 'client-a-1', token: 'T2', lastId: 'p-10', attempted: false });
});

test('complete:false is reported; a resumed welcome without a new token keeps the old one', () => {
  const [step] = feed({ clientId: 'client-a-1', token: 'T1', attempted: true }, [frame({ type: 'welcome', clientId: 'client-a-1', resumed: true, complete: false })]);
  expect(step!.note).toEqual({ kind: 'resumed', clientId: 'client-a-1', complete: false, idChanged: false });
  expect(step!.state.token).toBe('T1');
  const [odd] = feed({ clientId: 'client-a-1', token: 'T1', attempted: true }, [frame({ type: 'welcome', clientId: 'client-z-9', resumed: true })]);
  expect(odd!.note).toEqual({ kind: 'resumed', clientId: 'client-z-9', complete: undefined, idChanged: true });
});

test('a refused resume forgets token and position; the fresh welcome after it is a new client', () => {
  const steps = feed({ clientId: 'client-a-1', token: 'T1', lastId: '1-0-2', attempted: true }, [
    frame({ type: 'error', code: 'resume-refused', message: 'token expired' }),
    frame({ type: 'welcome', clientId: 'client-a-7', resumeToken: 'T9' }),
  ]);
  expect(steps[0]!.note).toEqual({ kind: 'refused', reason: 'token expired' });
  expect(steps[0]!.state).toEqual({ clientId: 'client-a-1', attempted: false });
  expect(steps[1]!.note).toEqual({ kind: 'fresh', clientId: 'client-a-7', resumable: true, notResumed: false });
  expect(steps[1]!.state).toEqual({ clientId: 'client-a-7', token: 'T9', attempted: false });
});

test('a server without resume ignores the parameters: its fresh welcome says the resume did not happen', () => {
  const [step] = feed({ clientId: 'client-a-1', token: 'T1', lastId: 'x', attempted: true }, [frame({ type: 'welcome', clientId: 'client-b-1' })]);
  expect(step!.note).toEqual({ kind: 'fresh', clientId: 'client-b-1', resumable: false, notResumed: true });
  expect(step!.state).toEqual({ clientId: 'client-b-1', attempted: false });
  // And the next reconnect is fresh: there is no token to send.
  expect(beginConnection(step!.state, base, true).url).toBe(base);
});

test('odd resume fields are ignored rather than trusted', () => {
  const [step] = feed(initialResume, [frame({ type: 'welcome', clientId: 'client-a-1', resumeToken: 42, resumed: 'yes' })]);
  expect(step!.note).toEqual({ kind: 'fresh', clientId: 'client-a-1', resumable: false, notResumed: false });
  expect(step!.state).toEqual({ clientId: 'client-a-1', attempted: false });
});
