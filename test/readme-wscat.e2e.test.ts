import { startAllInOne, type AllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
import { readmeCodeBlocks } from './support/readme.js';
import { Wscat, type Frame } from './support/wscat.js';

// The README's "Try it": the command, and the transcript under it (`<` received, `>` typed).
const tryIt = readmeCodeBlocks().filter((block) => block.section === 'Try it');
const command = tryIt.flatMap((block) => block.lines).find((line) => line.startsWith('npx wscat '));
const transcript = tryIt.find((block) => block.lines.some((line) => line.startsWith('> ')))?.lines ?? [];
const typed = transcript.find((line) => line.startsWith('> '))?.slice(2) ?? '';
const shown = transcript.filter((line) => line.startsWith('< ')).map((line) => JSON.parse(line.slice(2)) as Frame);

/** The README's command, with the server's port in place of 8088. */
function startWscat(port: number): Wscat {
  const [npx, wscat, ...args] = (command ?? '').split(' ');
  expect([npx, wscat]).toEqual(['npx', 'wscat']);
  return Wscat.run(args.map((arg) => arg.replace('localhost:8088', `localhost:${port}`)));
}

let server: AllInOne;
const running: Wscat[] = [];

beforeAll(async () => {
  server = await startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }), createLogger('silent'));
});

afterAll(async () => {
  await Promise.all(running.map((wscat) => wscat.stop()));
  await server?.close();
});

test('the README shows the wscat command and a session with it', () => {
  expect(command).toBe('npx wscat -c ws://localhost:8088');
  expect(JSON.parse(typed)).toEqual({ type: 'broadcast-all', message: 'Hello from command line!' });
  expect(shown.map((frame) => frame.type)).toEqual(['welcome', 'client-list', 'client-connected', 'kafka']);
});

test("the README's wscat session, as written: welcome, then a broadcast a second wscat receives", async () => {
  const first = startWscat(server.port);
  running.push(first);
  const welcome = await first.next((f) => f.type === 'welcome', 'welcome');
  const id = welcome.clientId as string;
  await first.next((f) => f.type === 'client-connected' && f.clientId === id, 'client-connected');
  // The frames arrive in the README's order, with its fields.
  expect(first.frames.slice(0, 3).map((f) => f.type)).toEqual(shown.slice(0, 3).map((f) => f.type));
  expect(first.frames.slice(0, 3).map((f) => Object.keys(f).sort())).toEqual(shown.slice(0, 3).map((f) => Object.keys(f).sort()));

  const second = startWscat(server.port);
  running.push(second);
  const other = (await second.next((f) => f.type === 'welcome', 'welcome')).clientId as string;
  await first.next((f) => f.type === 'client-connected' && f.clientId === other, 'the second wscat connecting');

  first.type(typed);
  const isBroadcast = (f: Frame): boolean => f.type === 'kafka' && f.message === 'Hello from command line!';
  const received = await second.next(isBroadcast, 'broadcast at the second wscat');
  const echoed = await first.next(isBroadcast, 'broadcast echoed to the sender');
  expect(received).toMatchObject({ from: id, message: 'Hello from command line!', timestamp: expect.any(Number) });
  expect(echoed.id).toBe(received.id);
  expect(Object.keys(received).sort()).toEqual(Object.keys(shown[3] ?? {}).sort());
});
