import { closeAll, setup, upgradeStatus, type Harness } from './support/gateway-harness.js';

afterEach(closeAll);

const withOrigin = (origin: string) => ({ headers: { Origin: origin } });
const refused = (h: Harness) => h.logs.filter((l) => l.msg === 'upgrade refused').map((l) => [l.status, l.reason]);

describe('Origin', () => {
  test('by default only pages of the gateway itself may connect; clients without an Origin may', async () => {
    const h = await setup();
    expect(await upgradeStatus(h.url, withOrigin(`http://127.0.0.1:${h.port}`))).toBe(101);
    expect(await upgradeStatus(h.url, withOrigin(`https://127.0.0.1:${h.port}`))).toBe(101);
    expect(await upgradeStatus(h.url)).toBe(101);
    expect(await upgradeStatus(h.url, withOrigin('https://evil.example'))).toBe(403);
    expect(await upgradeStatus(h.url, withOrigin(`http://localhost:${h.port}`))).toBe(403);
    expect(await upgradeStatus(h.url, withOrigin('null'))).toBe(403);
    expect(refused(h)).toEqual([
      [403, 'Origin "https://evil.example" is not allowed (ALLOWED_ORIGINS)'],
      [403, `Origin "http://localhost:${h.port}" is not allowed (ALLOWED_ORIGINS)`],
      [403, 'Origin "null" is not allowed (ALLOWED_ORIGINS)'],
    ]);
  });

  test('its own origin by a name counts only for localhost: another name may be an attacker’s, pointed here (DNS rebinding)', async () => {
    const h = await setup();
    const as = (host: string) => ({ headers: { Host: host, Origin: `http://${host}` } });
    expect(await upgradeStatus(h.url, as(`localhost:${h.port}`))).toBe(101);
    expect(await upgradeStatus(h.url, as(`[::1]:${h.port}`))).toBe(101);
    expect(await upgradeStatus(h.url, as(`rebound.attacker.example:${h.port}`))).toBe(403);
    const listed = await setup({ ALLOWED_ORIGINS: 'http://cmf.internal:8088' });
    expect(await upgradeStatus(listed.url, { headers: { Host: 'cmf.internal:8088', Origin: 'http://cmf.internal:8088' } })).toBe(101);
  });

  test('ALLOWED_ORIGINS lists the origins allowed, exactly', async () => {
    const h = await setup({ ALLOWED_ORIGINS: 'http://localhost:8080, https://Simulator.Example.com/' });
    expect(await upgradeStatus(h.url, withOrigin('http://localhost:8080'))).toBe(101);
    expect(await upgradeStatus(h.url, withOrigin('https://simulator.example.com'))).toBe(101);
    expect(await upgradeStatus(h.url, withOrigin('http://localhost:8081'))).toBe(403);
    expect(await upgradeStatus(h.url, withOrigin('http://simulator.example.com'))).toBe(403);
    expect(await upgradeStatus(h.url, withOrigin(`http://127.0.0.1:${h.port}`))).toBe(403);
    expect(await upgradeStatus(h.url)).toBe(101);
  });

  test('* allows any origin; REQUIRE_ORIGIN refuses clients that send none', async () => {
    const any = await setup({ ALLOWED_ORIGINS: '*' });
    expect(await upgradeStatus(any.url, withOrigin('https://anywhere.example'))).toBe(101);
    expect(await upgradeStatus(any.url, withOrigin('null'))).toBe(101);
    const strict = await setup({ ALLOWED_ORIGINS: 'https://app.example', REQUIRE_ORIGIN: 'true' });
    expect(await upgradeStatus(strict.url)).toBe(403);
    expect(await upgradeStatus(strict.url, withOrigin('https://app.example'))).toBe(101);
    expect(refused(strict)).toEqual([[403, 'An Origin header is required (REQUIRE_ORIGIN)']]);
  });
});
