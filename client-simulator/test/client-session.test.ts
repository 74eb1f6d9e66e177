import { z } from 'zod';
import { ServerFrameSchema } from '@cmf/shared/protocol';
import { ClientSession, type Clock, type SessionState, type SocketLike } from '../page/client-session.js';
import { rulesFromJsonSchema } from '../page/frame-rules.js';

const rules = rulesFromJsonSchema(z.toJSONSchema(ServerFrameSchema));
const BASE = 'ws://gw.test/';

/** A socket the test drives: open it, push frames, close it. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: string[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  private listeners: Record<string, ((event: never) => void)[]> = {};
  constructor(readonly url: string) {}
  addEventListener(type: string, listener: (event: never) => void): void {
    (this.listeners[type] ??= []).push(listener);
  }
  private emit(type: string, event: object = {}): void {
    for (const l of this.listeners[type] ?? []) l(event as never);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }
  open(): void {
    this.readyState = 1;
    this.emit('open');
  }
  frame(value: object): void {
    this.emit('message', { data: JSON.stringify(value) });
  }
  drop(code: number, reason = ''): void {
    this.readyState = 3;
    this.emit('close', { code, reason });
  }
}

/** Manual time: timers run when the test advances the clock. */
class FakeClock implements Clock {
  time = 1_000_000;
  timers: { at: number; run: () => void }[] = [];
  now = (): number => this.time;
  random = (): number => 1;
  setTimeout = (run: () => void, ms: number): unknown => {
    const timer = { at: this.time + ms, run };
    this.timers.push(timer);
    return timer;
  };
  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t !== handle);
  };
  advance(ms: number): void {
    this.time += ms;
    for (const t of this.timers.filter((t) => t.at <= this.time)) {
      this.timers = this.timers.filter((x) => x !== t);
      t.run();
    }
  }
}

function setup(options: { autoReconnect?: boolean; resume?: boolean } = {}) {
  const sockets: FakeSocket[] = [];
  const clock = new FakeClock();
  const states: SessionState[] = [];
  const log: string[] = [];
  const session = new ClientSession(
    { url: () => BASE, autoReconnect: () => options.autoReconnect ?? true, resume: () => options.resume ?? true },
    rules,
    (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    clock,
    {
      state: (s) => states.push(s),
      frame: (f, _raw, replayed) => log.push(`${f.type}${replayed ? ' (replayed)' : ''}`),
      invalid: (_raw, problem) => log.push(`invalid: ${problem}`),
      resume: (note) => log.push(`resume: ${note.kind}`),
      closed: (reason, reconnecting) => log.push(`closed: ${reason.label}${reconnecting ? ', reconnecting' : ''}`),
    },
  );
  const last = (): FakeSocket => sockets[sockets.length - 1]!;
  return { session, sockets, clock, states, log, last };
}

test('connect, welcome, then a dropped connection reconnects after the backoff and resumes from the last id', () => {
  const { session, sockets, clock, log, last } = setup();
  expect(session.connect()).toBe(true);
  expect(session.connect()).toBe(false); // Connect while connecting does nothing
  last().open();
  last().frame({ type: 'welcome', clientId: 'client-a-1', resumeToken: 'T1' });
  last().frame({ type: 'kafka', from: 'client-b-1', message: 'x', timestamp: 1, id: '4-0-7' });
  expect(session.ready).toBe(true);
  expect(session.state).toEqual({ phase: 'open', clientId: 'client-a-1', resumable: true });

  last().drop(1006);
  expect(session.state).toMatchObject({ phase: 'waiting', attempt: 1, dueAt: clock.time + 500 });
  expect(session.send('x')).toBe(false);
  clock.advance(499);
  expect(sockets).toHaveLength(1);
  clock.advance(1);
  expect(sockets).toHaveLength(2);
  expect(last().url).toBe(`${BASE}?resume=T1&last=4-0-7`);
  last().open();
  last().frame({ type: 'welcome', clientId: 'client-a-1', resumeToken: 'T2', resumed: true, complete: true });
  last().frame({ type: 'kafka', from: 'client-b-1', message: 'missed', timestamp: clock.time - 100, id: '4-0-8' });
  expect(log).toEqual([
    'welcome',
    'resume: fresh',
    'kafka',
    'closed: network: connection lost, reconnecting',
    'welcome',
    'resume: resumed',
    'kafka (replayed)',
  ]);
});

test('failed retries back off 0.5, 1, 2, 4 s; "reconnect now" skips the wait; Disconnect cancels it', () => {
  const { session, sockets, clock, last } = setup();
  session.connect();
  last().open();
  last().drop(1012, 'Gateway expired');
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    const state = session.state as Extract<SessionState, { phase: 'waiting' }>;
    delays.push(state.dueAt - clock.time);
    clock.advance(state.dueAt - clock.time);
    last().drop(1006); // the server is still down: never opens
  }
  expect(delays).toEqual([500, 1000, 2000, 4000]);
  expect(sockets).toHaveLength(5);
  session.reconnectNow();
  expect(sockets).toHaveLength(6);
  last().drop(1006);
  session.disconnect();
  expect(session.state).toMatchObject({ phase: 'closed', reason: { label: 'disconnected by you' } });
  clock.advance(60_000);
  expect(sockets).toHaveLength(6);
});

test('no reconnect after Disconnect, a kick, or with reconnect turned off; a connection open 10 s starts the backoff over', () => {
  const a = setup();
  a.session.connect();
  a.last().open();
  a.session.disconnect();
  expect(a.last().closedWith).toEqual({ code: 1000, reason: 'Disconnect' });
  a.last().drop(1000, 'Disconnect');
  expect(a.session.state).toMatchObject({ phase: 'closed', reason: { label: 'disconnected by you' } });

  const b = setup();
  b.session.connect();
  b.last().open();
  b.last().frame({ type: 'welcome', clientId: 'client-a-1' });
  b.last().frame({ type: 'kicked', message: 'You have been kicked out.', id: '2-0-5' });
  b.last().drop(4000, 'Kicked');
  expect(b.session.state).toEqual({ phase: 'closed', reason: { label: 'kicked', detail: '4000 Kicked' }, kickedMessage: 'You have been kicked out.' });
  b.clock.advance(60_000);
  expect(b.sockets).toHaveLength(1);

  const c = setup({ autoReconnect: false });
  c.session.connect();
  c.last().open();
  c.last().drop(1006);
  expect(c.session.state.phase).toBe('closed');

  const d = setup();
  d.session.connect();
  d.last().open();
  d.last().drop(1006);
  d.clock.advance(500);
  d.last().open();
  d.last().drop(1006);
  expect(d.session.state).toMatchObject({ attempt: 2 });
  d.clock.advance(1000);
  d.last().open();
  d.clock.advance(10_000);
  d.last().drop(1001);
  expect(d.session.state).toMatchObject({ attempt: 1 });
});

test("the user's Connect is always fresh, and resume off reconnects without the token", () => {
  const { session, last, clock } = setup({ resume: false });
  session.connect();
  last().open();
  last().frame({ type: 'welcome', clientId: 'client-a-1', resumeToken: 'T1' });
  last().drop(1006);
  clock.advance(500);
  expect(last().url).toBe(BASE);
  last().drop(1008, 'policy');
  expect(session.state.phase).toBe('closed');
  session.connect();
  expect(last().url).toBe(BASE);
});

test('bad frames are reported and the session carries on', () => {
  const { session, log, last } = setup();
  session.connect();
  last().open();
  last().frame({ type: 'welcome', clientId: 'client-a-1' });
  last().frame({ type: 'mystery' });
  last().frame({ type: 'kafka', from: 'x', message: 'still fine', timestamp: 1, id: '1' });
  expect(log).toEqual(['welcome', 'resume: fresh', 'invalid: type: unknown frame type "mystery"', 'kafka']);
  expect(session.ready).toBe(true);
});
