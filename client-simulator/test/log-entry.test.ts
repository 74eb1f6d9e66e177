import type { ServerFrame } from '@cmf/shared/protocol';
import { entryForFrame, wantsToast } from '../page/log-entry.js';

const self = 'client-a-1';
const at = 1_700_000_000_000;

test('each server frame becomes an entry of its kind; the client list does not', () => {
  const frames: [ServerFrame, object | undefined][] = [
    [{ type: 'welcome', clientId: self }, { kind: 'welcome', who: self, text: `Connected as ${self}` }],
    [{ type: 'welcome', clientId: self, resumeToken: 't' } as ServerFrame, { kind: 'welcome', who: self, text: `Connected as ${self} (resumable)` }],
    [
      { type: 'welcome', clientId: self, resumed: true, complete: true } as ServerFrame,
      { kind: 'welcome', who: self, text: `Resumed as ${self}: what was missed follows, marked replayed` },
    ],
    [
      { type: 'welcome', clientId: self, resumed: true, complete: false } as ServerFrame,
      { kind: 'welcome', who: self, text: `Resumed as ${self}: only part of what was missed follows` },
    ],
    [{ type: 'kafka', from: 'client-a-2', message: 'hi all', timestamp: 5, id: '1' }, { kind: 'broadcast', at: 5, who: 'client-a-2', text: 'hi all' }],
    [{ type: 'kafka', from: self, message: 'mine', timestamp: 6, id: '2' }, { kind: 'broadcast', at: 6, who: `${self} (you)`, text: 'mine' }],
    [{ type: 'direct', from: 'client-a-2', message: 'psst', timestamp: 7, id: '3' }, { kind: 'direct', at: 7, who: 'client-a-2', text: 'psst' }],
    [{ type: 'error', code: 'unknown-target', message: 'Client x not found' }, { kind: 'error', who: 'unknown-target', text: 'Client x not found' }],
    [{ type: 'kicked', message: 'You have been kicked out.', id: '4' }, { kind: 'kicked', text: 'You have been kicked out.' }],
    [{ type: 'client-connected', clientId: 'client-a-3', id: '5' }, { kind: 'presence', who: 'client-a-3', text: 'connected' }],
    [{ type: 'client-disconnected', clientId: 'client-a-3', id: '6' }, { kind: 'presence', who: 'client-a-3', text: 'disconnected' }],
    [{ type: 'client-list', clients: [self], id: '7' }, undefined],
  ];
  for (const [frame, entry] of frames) {
    if (entry) expect(entryForFrame(frame, self, at)).toEqual({ at, ...entry });
    else expect(entryForFrame(frame, self, at)).toBeUndefined();
  }
});

test('toasts for broadcasts from others, direct messages, errors and kicks only', () => {
  expect(wantsToast({ type: 'kafka', from: 'client-a-2', message: 'x', timestamp: 1, id: '1' }, self)).toBe(true);
  expect(wantsToast({ type: 'kafka', from: self, message: 'x', timestamp: 1, id: '1' }, self)).toBe(false);
  expect(wantsToast({ type: 'direct', from: 'client-a-2', message: 'x', timestamp: 1, id: '1' }, self)).toBe(true);
  expect(wantsToast({ type: 'error', code: 'c', message: 'x' }, self)).toBe(true);
  expect(wantsToast({ type: 'kicked', message: 'x', id: '1' }, self)).toBe(true);
  expect(wantsToast({ type: 'client-connected', clientId: 'client-a-2', id: '1' }, self)).toBe(false);
});
