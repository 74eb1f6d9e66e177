import { CloseCodes } from '@cmf/shared/protocol';
import { describeClose } from '../page/close-reason.js';

const closed = (code: number, reason = '', more: { byUser?: boolean; opened?: boolean } = {}) =>
  describeClose({ code, reason, byUser: more.byUser ?? false, opened: more.opened ?? true });

test('names each of the gateway close codes', () => {
  expect(closed(CloseCodes.kicked, 'Kicked')).toEqual({ label: 'kicked', detail: '4000 Kicked' });
  expect(closed(CloseCodes.goingAway, 'Server shutting down')).toEqual({ label: 'server shutdown', detail: '1001 Server shutting down' });
  expect(closed(CloseCodes.messageTooBig).label).toBe('message too big');
  expect(closed(CloseCodes.serviceRestart, 'Gateway expired').label).toBe('gateway restarting, reconnect');
  expect(closed(CloseCodes.slowConsumer, 'Slow consumer').label).toBe('too slow reading messages');
  expect(closed(1000).label).toBe('closed by the server');
});

test('tells a lost connection from one that never opened', () => {
  expect(closed(1006)).toEqual({ label: 'network: connection lost', detail: '1006' });
  expect(closed(1006, '', { opened: false }).label).toBe('network: could not connect');
});

test('says so when the user disconnected, and falls back to the code', () => {
  expect(closed(1000, 'Disconnect', { byUser: true })).toEqual({ label: 'disconnected by you', detail: '1000 Disconnect' });
  expect(closed(4999, 'odd')).toEqual({ label: 'closed with code 4999', detail: '4999 odd' });
});

test('names the gateway refusals a page can meet: binary frames, bad UTF-8, the bus unavailable', () => {
  const said = (code: number) => describeClose({ code, reason: '', byUser: false, opened: true }).label;
  expect([1003, 1007, 1013].map(said)).toEqual(['binary frames are not accepted', 'not valid UTF-8 text', 'message bus unavailable, try again later']);
});
