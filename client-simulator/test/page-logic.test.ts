import { filterClients } from '../page/admin-rows.js';
import { checkSize, utf8Bytes } from '../page/frame-size.js';
import { LatencyTracker, percentile } from '../page/latency.js';
import { matchesFilter } from '../page/log-filter.js';
import { prettyRaw } from '../page/pretty-raw.js';
import { formatBytes, previewText } from '../page/text-preview.js';

describe('latency of own broadcasts', () => {
  test('each echo settles the oldest pending send with its text; lost sends are passed over', () => {
    const t = new LatencyTracker();
    t.sent('a', 0);
    t.sent('b', 5);
    t.sent('a', 10);
    expect(t.echoed('a', 12)).toBe(12);
    expect(t.echoed('a', 20)).toBe(10); // 'b' was lost: dropped on the way
    expect(t.echoed('b', 30)).toBeUndefined();
    expect(t.echoed('never sent', 30)).toBeUndefined();
    expect(t.stats()).toEqual({ count: 2, p50: 10, p99: 12 });
  });

  test('p50 and p99 over the last 1,000 samples; pending sends are forgotten on a close', () => {
    const t = new LatencyTracker();
    for (let i = 1; i <= 1500; i++) {
      t.sent(`m${i}`, 0);
      t.echoed(`m${i}`, i);
    }
    // Samples 501..1500 remain.
    expect(t.stats()).toEqual({ count: 1000, p50: 1000, p99: 1490 });
    t.sent('x', 0);
    t.forgetPending();
    expect(t.echoed('x', 5)).toBeUndefined();
    expect(percentile([], 50)).toBeNaN();
    expect(percentile([7], 99)).toBe(7);
  });

  test('at most 1,000 sends wait for an echo', () => {
    const t = new LatencyTracker();
    for (let i = 0; i < 1200; i++) t.sent(`m${i}`, i);
    expect(t.echoed('m100', 2000)).toBeUndefined();
    expect(t.echoed('m200', 2000)).toBe(1800);
  });
});

test('the log filter matches a view of kinds and a case-insensitive search over who and text', () => {
  const broadcast = { kind: 'broadcast' as const, who: 'client-ab-1', text: 'Deploy finished' };
  expect(matchesFilter(broadcast, { view: 'all', search: '' })).toBe(true);
  expect(matchesFilter(broadcast, { view: 'messages', search: 'DEPLOY' })).toBe(true);
  expect(matchesFilter(broadcast, { view: 'messages', search: 'ab-1' })).toBe(true);
  expect(matchesFilter(broadcast, { view: 'direct', search: '' })).toBe(false);
  expect(matchesFilter(broadcast, { view: 'all', search: 'rollback' })).toBe(false);
  expect(matchesFilter({ kind: 'invalid', text: 'x' }, { view: 'problems', search: '  ' })).toBe(true);
  expect(matchesFilter({ kind: 'welcome', text: 'x' }, { view: 'connection', search: '' })).toBe(true);
});

test('long texts are previewed by characters and by lines, never splitting a surrogate pair', () => {
  expect(previewText('short')).toEqual({ text: 'short', truncated: false });
  expect(previewText('x'.repeat(60 * 1024))).toEqual({ text: 'x'.repeat(600), truncated: true });
  const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
  expect(previewText(lines).text.split('\n')).toHaveLength(8);
  expect(previewText('a\nb\nc', { chars: 100, lines: 2 })).toEqual({ text: 'a\nb', truncated: true });
  expect(previewText('a\nb', { chars: 100, lines: 2 })).toEqual({ text: 'a\nb', truncated: false });
  expect(previewText(`${'x'.repeat(9)}😀tail`, { chars: 10, lines: 8 }).text).toBe('x'.repeat(9));
  expect([formatBytes(812), formatBytes(61_440), formatBytes(1_300_000)]).toEqual(['812 B', '60.0 KiB', '1.2 MiB']);
});

test('sizes are UTF-8 bytes on the wire, checked against the limit', () => {
  expect(utf8Bytes('héllo😀')).toBe(10);
  expect(checkSize('x'.repeat(100), 100)).toEqual({ bytes: 100, limit: 100, over: false, near: true });
  expect(checkSize('x'.repeat(101), 100).over).toBe(true);
  expect(checkSize('x'.repeat(80), 100).near).toBe(false);
});

test('the raw view indents JSON and shows anything else as it came', () => {
  expect(prettyRaw('{"type":"kafka","id":"1"}')).toBe('{\n  "type": "kafka",\n  "id": "1"\n}');
  expect(prettyRaw('not json <b>')).toBe('not json <b>');
});

test('the admin table filters by id or gateway and shows at most its limit', () => {
  const clients = Array.from({ length: 250 }, (_, i) => ({ id: `client-g${i % 2}-${i}`, gateway: `g${i % 2}`, connectedAt: '' }));
  expect(filterClients(clients, '')).toMatchObject({ more: 50 });
  expect(filterClients(clients, '').rows).toHaveLength(200);
  expect(filterClients(clients, 'G1')).toMatchObject({ more: 0 });
  expect(filterClients(clients, 'G1').rows).toHaveLength(125);
  expect(filterClients(clients, '-249').rows.map((c) => c.id)).toEqual(['client-g1-249']);
});
