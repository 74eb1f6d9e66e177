import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigSchema } from '@cmf/shared';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');

test("the README's configuration table lists exactly the variables of ConfigSchema", () => {
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  const rows = [...section.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
  expect([...rows].sort()).toEqual(Object.keys(ConfigSchema.shape).sort());
});

test('the README explains deploying with Compose and with KEDA before the tests', () => {
  const deploy = readme.indexOf('## Deploy: Docker Compose and Kubernetes');
  expect(deploy).toBeGreaterThan(0);
  expect(deploy).toBeLessThan(readme.indexOf('## Tests'));
  const section = readme.slice(deploy, readme.indexOf('## Tests'));
  for (const phrase of ['docker compose up -d', 'helm install keda', 'helm install cmf charts/cmf', 'lagThreshold', 'Partition ceiling', 'scale to zero', 'GATEWAY_HEARTBEAT_MS']) {
    expect(section).toContain(phrase);
  }
});
