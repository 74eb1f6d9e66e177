import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { Cluster } from './support/cluster.js';
import { TestClient } from './support/test-client.js';

/*
 * Connection tokens on Kafka: gateways and a worker as separate processes. Who a connection is
 * travels with its frames through ws-in, so the worker decides kicks by the token's roles,
 * whichever gateway the kicker and its target are on.
 */

const SECRET = 'an-integration-secret-of-32-characters-or-more';

const token = (sub: string, roles: string[]): Promise<string> =>
  new SignJWT({ sub, roles })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(SECRET));

describe('JWT connections on Kafka', () => {
  let cluster: Cluster;
  const open: TestClient[] = [];

  beforeAll(async () => {
    cluster = await Cluster.start({ gateways: 2, workers: 1, admin: false, env: { JWT_SECRET: SECRET } });
  });

  afterAll(async () => {
    await Promise.all(open.map((c) => c.close()));
    await cluster?.stop();
  });

  const connect = async (gateway: number, sub: string, roles: string[]): Promise<TestClient> => {
    const client = await TestClient.connect(`${cluster.gateways[gateway]!.wsUrl}/?token=${await token(sub, roles)}`);
    open.push(client);
    return client;
  };

  test('no token: 401 from the gateway process, the reason in its log', async () => {
    const ws = new WebSocket(cluster.gateways[0]!.wsUrl);
    ws.on('error', () => undefined);
    const status = await new Promise<number | undefined>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode)));
    expect(status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(cluster.gateways[0]!.stderr).toMatch(/"msg":"upgrade refused".*"status":401.*"reason":"No token/);
  });

  test('a user may not kick; an admin on another gateway may, the user included', async () => {
    const user = await connect(0, 'eve', ['user']);
    const victim = await connect(0, 'bob', ['user']);
    const admin = await connect(1, 'root', ['admin']);
    await Promise.all([user, victim, admin].map((c) => c.until(() => [user, victim, admin].every((x) => c.lastClientList()?.includes(x.id)))));

    user.send({ type: 'kick-one', targetId: victim.id });
    user.send({ type: 'kick-all' });
    await user.until((frames) => frames.filter((f) => f.type === 'error').length === 2);
    expect(user.of('error')).toEqual(Array(2).fill({ type: 'error', code: 'forbidden', message: 'Kicking needs the admin role' }));
    // Nobody was kicked: a broadcast after the refused kicks reaches the victim.
    user.send({ type: 'broadcast', message: 'after the refused kicks' });
    await victim.next('kafka', (f) => f.message === 'after the refused kicks');

    admin.send({ type: 'kick-one', targetId: victim.id });
    expect((await victim.closed).code).toBe(4000);
    admin.send({ type: 'kick-all' });
    expect((await user.closed).code).toBe(4000);
    admin.send({ type: 'broadcast', message: 'still here' });
    await admin.next('kafka', (f) => f.message === 'still here');
    expect(admin.of('error')).toEqual([]);
  });
});
