import { decodeRecord, PresenceRecordSchema, type WsInRecord } from '@cmf/shared';
import { closeHarnesses, connectedNotice, disconnectedNotice, isFrame, setup, T, ticksBetween, type Harness } from './worker-harness.js';

afterEach(closeHarnesses);

const GRACE = 30_000;
const WINDOW = 120_000;
const RESUME_ENV = { RESUME_GRACE_MS: String(GRACE), RESUME_WINDOW_MS: String(WINDOW) };

/** A client whose gateway gave it a resume token, on connection `<gateway>:1`. */
async function connectResumable(h: Harness, clientId: string, gateway = 'g1', at = T): Promise<void> {
  await h.send({ kind: 'connect', clientId, gateway, at, connection: `${gateway}:1`, resumable: true });
  await h.waitFor(connectedNotice(clientId));
}

const lost = (clientId: string, at: number, position = '17'): WsInRecord => ({
  kind: 'disconnect',
  clientId,
  gateway: 'g1',
  at,
  code: 1006,
  connection: 'g1:1',
  reserve: true,
  position,
});

const resume = (clientId: string, at: number, connection = 'g2:5'): WsInRecord => ({ kind: 'resume', clientId, gateway: 'g2', connection, at });

/** The latest value written to a ws-presence key, decoded (null: a tombstone). */
function presenceOf(h: Harness, key: string): unknown {
  const last = h.presence.received.filter((r) => r.key === key).at(-1);
  if (last === undefined) return undefined;
  return last.value === null ? null : decodeRecord(PresenceRecordSchema, last.value);
}

/** Sends a connect of `marker` and waits for its announcement: everything sent before it was processed. */
async function settle(h: Harness, at: number, marker = `marker-${at}`): Promise<void> {
  await h.connect(marker, 'g3', at);
}

describe('presence while away, and resume', () => {
  test('an abnormal end keeps the id: nothing announced, still listed, still reachable by direct messages', async () => {
    const h = await setup(RESUME_ENV);
    await connectResumable(h, 'client-g1-1');
    await h.connect('client-g3-1', 'g3', T + 1);
    await h.send(lost('client-g1-1', T + 2));
    await settle(h, T + 3);
    expect(h.commands().filter(disconnectedNotice('client-g1-1'))).toHaveLength(0);
    expect(h.commands().filter(isFrame('client-list')).at(-1)!.frame).toMatchObject({ clients: ['client-g1-1', 'client-g3-1', `marker-${T + 3}`] });
    expect(presenceOf(h, 'client:client-g1-1')).toMatchObject({ away: { since: T + 2, position: '17' } });
    await h.frame('client-g3-1', { type: 'broadcast-one', targetId: 'client-g1-1', message: 'while you were out' });
    const direct = await h.waitFor(isFrame('direct', { message: 'while you were out' }));
    expect(direct).toMatchObject({ target: { type: 'clients', ids: ['client-g1-1'] }, replayable: true });
    expect(h.commands().filter(isFrame('error'))).toHaveLength(0);
  });

  test('back within the grace period: moved to the new connection, its drop position handed over, nobody told anything', async () => {
    const h = await setup(RESUME_ENV);
    await connectResumable(h, 'client-g1-1');
    await h.send(lost('client-g1-1', T + 2), resume('client-g1-1', T + 5_000));
    const resumed = await h.waitFor((c) => c.kind === 'resumed');
    expect(resumed).toMatchObject({ key: 'presence', clientId: 'client-g1-1', gateway: 'g2', connection: 'g2:5', drop: '17' });
    await h.send(...ticksBetween(T + 5_000, T + 2 * GRACE));
    await settle(h, T + 2 * GRACE + 1);
    expect(h.commands().filter(disconnectedNotice('client-g1-1'))).toHaveLength(0);
    expect(h.commands().filter(connectedNotice('client-g1-1'))).toHaveLength(1);
    const entry = presenceOf(h, 'client:client-g1-1') as Record<string, unknown>;
    expect(entry).toMatchObject({ gateway: 'g2', connection: 'g2:5' });
    expect(entry.away).toBeUndefined();
  });

  test('not back within the grace period: client-disconnected exactly once, then it may still resume within the window, announced as a connect', async () => {
    const h = await setup(RESUME_ENV);
    await connectResumable(h, 'client-g1-1');
    await h.send(lost('client-g1-1', T + 2));
    await h.send(...ticksBetween(T, T + GRACE - 1000));
    await settle(h, T + GRACE - 500, 'before-grace');
    expect(h.commands().filter(disconnectedNotice('client-g1-1'))).toHaveLength(0);
    await h.send(...ticksBetween(T + GRACE - 1000, T + GRACE + 5_000));
    await h.waitFor(disconnectedNotice('client-g1-1'));
    await settle(h, T + GRACE + 5_500, 'after-grace');
    expect(h.commands().filter(disconnectedNotice('client-g1-1'))).toHaveLength(1);
    expect(presenceOf(h, 'ended:client-g1-1')).toMatchObject({ since: T + 2, position: '17' });

    await h.send(resume('client-g1-1', T + GRACE + 10_000));
    const resumed = await h.waitFor((c) => c.kind === 'resumed');
    expect(resumed).toMatchObject({ clientId: 'client-g1-1', gateway: 'g2', drop: '17' });
    // Announced again, after the answer.
    await h.out.until(() => h.commands().filter(connectedNotice('client-g1-1')).length === 2);
    const kinds = h.commands().map((c) => (c.kind === 'resumed' ? 'resumed' : connectedNotice('client-g1-1')(c) ? 'connected' : 'other'));
    expect(kinds.filter((k) => k !== 'other')).toEqual(['connected', 'resumed', 'connected']);
    expect(presenceOf(h, 'ended:client-g1-1')).toBeNull();
  });

  test('after the window, a resume is refused and nothing is announced; the ended record is dropped', async () => {
    const h = await setup(RESUME_ENV);
    await connectResumable(h, 'client-g1-1');
    await h.send(lost('client-g1-1', T + 2));
    await h.send(...ticksBetween(T, T + WINDOW + 3_000));
    await h.waitFor(disconnectedNotice('client-g1-1'));
    await settle(h, T + WINDOW + 3_500);
    expect(presenceOf(h, 'ended:client-g1-1')).toBeNull();
    await h.send(resume('client-g1-1', T + WINDOW + 4_000));
    const refused = await h.waitFor((c) => c.kind === 'resume-refused');
    expect(refused).toMatchObject({ gateway: 'g2', connection: 'g2:5' });
    expect(refused.reason).toMatch(/No session to resume/);
    await settle(h, T + WINDOW + 5_000, 'late-marker');
    expect(h.commands().filter((c) => c.kind === 'resumed')).toHaveLength(0);
    expect(h.commands().filter(connectedNotice('client-g1-1'))).toHaveLength(1);
  });

  test('a clean close or a kick is announced at once and ends the session: a resume is refused', async () => {
    const h = await setup(RESUME_ENV);
    await connectResumable(h, 'client-g1-1');
    await connectResumable(h, 'client-g1-2', 'g1', T + 1);
    await h.send({ kind: 'disconnect', clientId: 'client-g1-1', gateway: 'g1', at: T + 2, code: 1000, connection: 'g1:1', reserve: false });
    await h.send({ kind: 'disconnect', clientId: 'client-g1-2', gateway: 'g1', at: T + 2, code: 4000, connection: 'g1:1', reserve: false });
    await h.waitFor(disconnectedNotice('client-g1-1'));
    await h.waitFor(disconnectedNotice('client-g1-2'));
    await h.send(resume('client-g1-1', T + 3), resume('client-g1-2', T + 3, 'g2:6'));
    await h.out.until(() => h.commands().filter((c) => c.kind === 'resume-refused').length === 2);
    expect(h.commands().filter((c) => c.kind === 'resumed')).toHaveLength(0);
  });

  test('a client without a resume token is announced gone at once, whatever the end', async () => {
    const h = await setup(RESUME_ENV);
    await h.connect('client-g1-1');
    await h.send({ ...lost('client-g1-1', T + 2), connection: undefined } as WsInRecord);
    await h.waitFor(disconnectedNotice('client-g1-1'));
  });

  test('taking over a live connection: the client moves, the old connection\'s late disconnect changes nothing', async () => {
    const h = await setup(RESUME_ENV);
    await connectResumable(h, 'client-g1-1');
    await h.send(resume('client-g1-1', T + 2));
    const resumed = await h.waitFor((c) => c.kind === 'resumed');
    expect(resumed.drop).toBeUndefined();
    // The old socket, closed with 4001 by its gateway, reports its end afterwards.
    await h.send({ kind: 'disconnect', clientId: 'client-g1-1', gateway: 'g1', at: T + 3, code: 4001, connection: 'g1:1', reserve: false });
    await h.send(...ticksBetween(T, T + 2 * GRACE));
    await settle(h, T + 2 * GRACE + 1);
    expect(h.commands().filter(disconnectedNotice('client-g1-1'))).toHaveLength(0);
    expect(presenceOf(h, 'client:client-g1-1')).toMatchObject({ gateway: 'g2', connection: 'g2:5' });
  });

  test("a dead gateway's resumable clients are reserved from its last heartbeat position, then announced after the grace period", async () => {
    const h = await setup({ ...RESUME_ENV, GATEWAY_TIMEOUT_MS: '10000' });
    await h.send({ kind: 'gateway-heartbeat', gateway: 'g-dead', at: T, position: '99' });
    await connectResumable(h, 'client-dead-1', 'g-dead', T);
    await h.send(...ticksBetween(T, T + 12_000));
    await h.waitFor((c) => c.kind === 'gateway-expired');
    await settle(h, T + 12_500);
    expect(h.commands().filter(disconnectedNotice('client-dead-1'))).toHaveLength(0);
    expect(presenceOf(h, 'client:client-dead-1')).toMatchObject({ away: { position: '99' } });
    await h.send(...ticksBetween(T + 12_000, T + 12_000 + GRACE + 2_000));
    await h.waitFor(disconnectedNotice('client-dead-1'));
    await settle(h, T + 12_000 + GRACE + 3_000);
    expect(h.commands().filter(disconnectedNotice('client-dead-1'))).toHaveLength(1);
  });

  test('a resume whose answer failed to publish is answered again, with the same command id, when the batch is retried', async () => {
    const h = await setup(RESUME_ENV);
    await connectResumable(h, 'client-g1-1');
    await h.send(lost('client-g1-1', T + 2));
    await settle(h, T + 3);
    h.bus.failNextPublish(h.config.topics.out, true);
    await h.send(resume('client-g1-1', T + 4));
    await h.out.until(() => h.commands().filter((c) => c.kind === 'resumed').length === 2);
    const [first, second] = h.commands().filter((c) => c.kind === 'resumed');
    expect(second).toEqual(first);
    expect(first).toMatchObject({ drop: '17' });
  });

  test('with RESUME_GRACE_MS=0 an abnormal end is announced at once, and the client may still resume within the window', async () => {
    const h = await setup({ ...RESUME_ENV, RESUME_GRACE_MS: '0' });
    await connectResumable(h, 'client-g1-1');
    await h.send(lost('client-g1-1', T + 2));
    await h.waitFor(disconnectedNotice('client-g1-1'));
    await h.send(resume('client-g1-1', T + 5));
    await h.waitFor((c) => c.kind === 'resumed');
    await h.out.until(() => h.commands().filter(connectedNotice('client-g1-1')).length === 2);
  });
});
