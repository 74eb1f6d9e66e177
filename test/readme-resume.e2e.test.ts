import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { readmeCodeBlocks } from './support/readme.js';
import { Wscat, type Frame } from './support/wscat.js';

// The README's resume example: the wscat command with `?resume=…&last=…`, and what it prints.
const blocks = readmeCodeBlocks();
const command = blocks.flatMap((b) => b.lines).find((line) => line.startsWith('npx wscat ') && line.includes('?resume='));
const shown = (blocks.find((b) => b.lines.some((line) => line.startsWith('< ') && line.includes('"resumed":true')))?.lines ?? [])
  .filter((line) => line.startsWith('< '))
  .map((line) => JSON.parse(line.slice(2)) as Frame);

let server: AllInOne;
const running: Wscat[] = [];

beforeAll(async () => {
  server = await startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), createLogger('silent'));
});

afterAll(async () => {
  await Promise.all(running.map((w) => w.stop()));
  await server?.close();
});

const wscat = (url: string): Wscat => {
  const w = Wscat.run(['-c', url]);
  running.push(w);
  return w;
};

test('the README shows a resume with wscat and what it prints', () => {
  expect(command).toMatch(/^npx wscat -c 'ws:\/\/localhost:8088\/\?resume=r1\.client-[^&]+&last=\d+'$/);
  expect(shown.map((f) => f.type)).toEqual(['welcome', 'kafka']);
  expect(shown[0]).toMatchObject({ resumed: true, complete: true });
});

test("the README's resume, as written: a wscat killed mid-session comes back as the same client and gets what was sent meanwhile", async () => {
  const base = `ws://localhost:${server.port}`;
  const first = wscat(base);
  const welcome = await first.next((f) => f.type === 'welcome', 'welcome');
  await first.next((f) => f.type === 'client-connected' && f.clientId === welcome.clientId, 'its client-connected');
  const other = wscat(base);
  const otherId = (await other.next((f) => f.type === 'welcome', 'welcome')).clientId;
  const last = (await first.next((f) => f.type === 'client-connected' && f.clientId === otherId, 'the other connecting')).id as string;
  // The process dies: its socket ends without a close frame.
  await first.stop('SIGKILL');
  other.type(JSON.stringify({ type: 'broadcast-all', message: 'sent while you were away' }));
  await other.next((f) => f.type === 'kafka' && f.message === 'sent while you were away', 'the broadcast');
  const quoted = command!.split(' ').at(-1);
  const url = quoted!
    .slice(1, -1)
    .replace('localhost:8088', `localhost:${server.port}`)
    .replace(/resume=[^&]+/, `resume=${welcome.resumeToken as string}`)
    .replace(/last=\d+/, `last=${last}`);
  const back = wscat(url);
  const resumed = await back.next((f) => f.type === 'welcome', 'the resumed welcome');
  expect(resumed).toMatchObject({ clientId: welcome.clientId, resumed: true, complete: true });
  expect(Object.keys(resumed).sort()).toEqual(Object.keys(shown[0]!).sort());
  const missed = await back.next((f) => f.type === 'kafka', 'the missed broadcast');
  expect(missed).toMatchObject({ from: otherId, message: 'sent while you were away' });
  expect(Object.keys(missed).sort()).toEqual(Object.keys(shown[1]!).sort());
  expect(back.frames.slice(0, 2)).toEqual([resumed, missed]);
});
