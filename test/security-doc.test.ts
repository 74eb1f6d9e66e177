import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigSchema } from '@cmf/shared';

const read = (path: string): string => readFileSync(fileURLToPath(new URL(`../${path}`, import.meta.url)), 'utf8');
const security = read('SECURITY.md');
const section = security.slice(security.indexOf('## WebSocket settings'), security.indexOf('\n## ', security.indexOf('## WebSocket settings') + 1));
const rows = [...section.matchAll(/^\| (`.+?`(?:[,/ ]+`.+?`)*) \| (.+?) \| (.+?) \| (.+?) \|$/gm)].map((m) => ({
  settings: [...m[1]!.matchAll(/`([A-Z0-9_]+)`/g)].map((s) => s[1]!),
  defaults: m[3]!,
  production: m[4]!,
}));
const defaults = ConfigSchema.parse({}) as Record<string, unknown>;
const chartConfig = (file: string): Record<string, string> => (parse(read(`charts/cmf/${file}`)) as { config?: Record<string, string> }).config ?? {};
const chart = { ...chartConfig('values.yaml'), ...chartConfig('values-prod.yaml') };
/** A cell that is only backticked values, one per setting of its row. */
const plainValues = (cell: string): string[] | undefined => (/^`[^`]+`(, `[^`]+`)*$/.test(cell) ? [...cell.matchAll(/`([^`]+)`/g)].map((v) => v[1]!) : undefined);

test('SECURITY.md names only settings CMF reads, and every WebSocket setting of the README is in it', () => {
  expect(rows.length).toBeGreaterThan(10);
  const named = rows.flatMap((r) => r.settings);
  expect(named.filter((s) => !(s in ConfigSchema.shape))).toEqual([]);
  const websocket = ['JWT_SECRET', 'JWT_JWKS_URL', 'JWT_AUDIENCE', 'JWT_ISSUER', 'JWT_ROLES_CLAIM', 'JWT_ADMIN_ROLE', 'ALLOW_CLIENT_KICK', 'ALLOWED_ORIGINS', 'REQUIRE_ORIGIN', 'CLIENT_RATE_PER_S', 'CLIENT_BURST', 'CLIENT_ABUSE_S', 'MAX_PAYLOAD_BYTES', 'MAX_BUFFERED_BYTES', 'MAX_CONNECTIONS', 'MAX_CONNECTS_PER_S', 'TRUST_PROXY_HOPS'];
  expect(websocket.filter((s) => !named.includes(s))).toEqual([]);
});

test("SECURITY.md's defaults are the config schema's, and its production values the production chart's", () => {
  let checked = 0;
  for (const row of rows) {
    const own = plainValues(row.defaults);
    const prod = plainValues(row.production);
    row.settings.forEach((setting, i) => {
      if (own?.length === row.settings.length) {
        expect({ setting, default: own[i] }).toEqual({ setting, default: String(defaults[setting]) });
        checked += 1;
      }
      if (prod?.length === row.settings.length) {
        expect({ setting, production: prod[i] }).toEqual({ setting, production: chart[setting] ?? String(defaults[setting]) });
        checked += 1;
      }
    });
  }
  expect(checked).toBeGreaterThan(20);
});
