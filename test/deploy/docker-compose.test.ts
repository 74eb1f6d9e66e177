import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ConfigSchema } from '@cmf/shared';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');
const configKeys = new Set(Object.keys(ConfigSchema.shape));

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

// Compose files use YAML merge keys (`<<: *cmf`); parse them as compose does.
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const cmfServices = Object.entries(services).filter(([, s]) => s.image === 'cmf:local');
/** The host ports a service publishes: `[ip:]host:container`. */
const published = (s: ComposeService): string[] => (s.ports ?? []).map((p) => String(p).split(':').slice(-2)[0]!);

describe('docker-compose.yml', () => {
  test('has Kafka, topic creation, Kafka UI and every CMF component', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['admin-api', 'client-simulator', 'gateway', 'kafka', 'kafka-init', 'kafka-ui', 'worker'].sort(),
    );
    expect(cmfServices.map(([name]) => name).sort()).toEqual(['admin-api', 'client-simulator', 'gateway', 'worker']);
  });

  test('Kafka is the official image in KRaft mode (no ZooKeeper), with a healthcheck', () => {
    const kafka = services.kafka!;
    expect(kafka.image).toMatch(/^apache\/kafka:\d/);
    expect(String(kafka.environment!.KAFKA_PROCESS_ROLES)).toMatch(/controller/);
    expect(Object.keys(services).some((name) => /zookeeper/i.test(name))).toBe(false);
    expect(Object.keys(kafka.environment!).some((k) => /ZOOKEEPER/.test(k))).toBe(false);
    expect(kafka.healthcheck?.test.join(' ')).toMatch(/kafka-broker-api-versions/);
  });

  test('the topics CMF is configured with are created, ws-in with enough partitions for the workers', () => {
    const script = (services['kafka-init']!.command ?? []).join('\n');
    const env = services.gateway!.environment!;
    for (const variable of ['KAFKA_TOPIC_IN', 'KAFKA_TOPIC_OUT', 'KAFKA_TOPIC_PRESENCE', 'KAFKA_TOPIC_DEAD_LETTER']) {
      expect(script).toMatch(new RegExp(`--topic ${String(env[variable])} `));
    }
    expect(script).toMatch(new RegExp(`--topic ${String(env.KAFKA_TOPIC_IN)} --partitions 12 `));
    expect(script).toMatch(/cleanup\.policy=compact/);
    expect(services['kafka-init']!.depends_on?.kafka?.condition).toBe('service_healthy');
  });

  test('published ports: gateway 8088, admin API 8089, simulator 8080, Kafka UI 8095', () => {
    expect(published(services.gateway!)).toEqual(['8088']);
    expect(published(services['admin-api']!)).toEqual(['8089']);
    expect(published(services['client-simulator']!)).toEqual(['8080']);
    expect(services['kafka-ui']!.ports).toEqual(['8095:8080']);
    expect(String(services['kafka-ui']!.environment!.KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS)).toBe(String(services.gateway!.environment!.KAFKA_BROKERS));
  });

  test("the admin API, open without a token inside the stack, is published on the host's loopback only", () => {
    const admin = services['admin-api']!;
    expect(admin.environment!.ADMIN_TOKEN).toBeUndefined();
    expect(String(admin.environment!.ADMIN_ALLOW_REMOTE)).toBe('true');
    expect(admin.ports).toEqual([`127.0.0.1:${admin.environment!.ADMIN_PORT}:${admin.environment!.ADMIN_PORT}`]);
  });

  test.each(cmfServices)('%s: runs its component, waits for a healthy Kafka, and sets only variables CMF reads', (name, service) => {
    expect(service.command).toEqual([name]);
    expect(service.build).toBe('.');
    expect(service.depends_on?.kafka?.condition).toBe('service_healthy');
    expect(service.depends_on?.['kafka-init']?.condition).toBe('service_completed_successfully');
    const unknown = Object.keys(service.environment ?? {}).filter((k) => !configKeys.has(k));
    expect(unknown).toEqual([]);
  });

  test.each(cmfServices)('%s: its healthcheck asks the port it listens on', (name, service) => {
    const env = service.environment ?? {};
    const port = String(name === 'admin-api' ? env.ADMIN_PORT : env.PORT);
    expect(port).toMatch(/^\d+$/);
    const url = service.healthcheck!.test.find((part) => part.startsWith('http://'));
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/(health|ready)$`));
    if (service.ports) expect(published(service)).toEqual([port]);
  });

  test('Kafka clients inside the stack use the internal listener', () => {
    const internal = String(services.kafka!.environment!.KAFKA_ADVERTISED_LISTENERS).split(',')[0]!.replace(/^\w+:\/\//, '');
    for (const [, s] of cmfServices) if (s.environment?.KAFKA_BROKERS) expect(s.environment.KAFKA_BROKERS).toBe(internal);
  });

  test('the simulator page points browsers at the published gateway and admin API, both of which allow the page’s origin', () => {
    expect(services['client-simulator']!.environment!.SIMULATOR_GATEWAY_URL).toBe(`ws://localhost:${published(services.gateway!)[0]}`);
    // Its admin view calls the published admin API, which allows the page's origin.
    expect(services['client-simulator']!.environment!.SIMULATOR_ADMIN_URL).toBe(`http://localhost:${published(services['admin-api']!)[0]}`);
    expect(services['admin-api']!.environment!.ADMIN_CORS_ORIGINS).toBe(`http://localhost:${published(services['client-simulator']!)[0]}`);
    const origins = String(services.gateway!.environment!.ALLOWED_ORIGINS).split(',');
    expect(origins).toContain(`http://localhost:${published(services['client-simulator']!)[0]}`);
    expect(ConfigSchema.shape.ALLOWED_ORIGINS.safeParse(services.gateway!.environment!.ALLOWED_ORIGINS).success).toBe(true);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/gim)];
  const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;

  test('is multi-stage on an Alpine Node LTS (22 or 24), not Node 20', () => {
    expect(froms.length).toBeGreaterThanOrEqual(3);
    const image = /^ARG NODE_IMAGE=(\S+)/m.exec(dockerfile)?.[1];
    expect(image).toMatch(/^node:(22|24)-alpine/);
    expect(froms.every((f) => f[1] === '${NODE_IMAGE}')).toBe(true);
  });

  test('installs production dependencies only in the image that runs', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('FROM '));
    expect(runtime).not.toMatch(/npm (ci|install)/);
    expect(runtime).not.toMatch(/COPY --from=build/);
  });

  test('copies every workspace manifest and build output', () => {
    for (const ws of workspaces) {
      expect(dockerfile).toContain(`COPY ${ws}/package.json ${ws}/`);
      expect(dockerfile).toContain(`COPY --from=build /app/${ws}/dist ${ws}/dist`);
    }
  });

  test('runs as a numeric non-root user, with a HEALTHCHECK and the component entry point', () => {
    expect(/^USER\s+(\d+)/m.exec(dockerfile)?.[1]).not.toBe('0');
    expect(dockerfile).toMatch(/^USER\s+[1-9]\d*:\d+/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\/health/ms);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/app\/scripts\/docker-entrypoint\.sh"\]/m);
  });

  test('the entry point knows every component, and each one has an entry file', () => {
    const entrypoint = read('scripts/docker-entrypoint.sh');
    for (const component of ['gateway', 'worker', 'admin-api', 'all-in-one']) {
      expect(entrypoint).toMatch(new RegExp(`(^|[\\s|])${component}([\\s|)])`));
      expect(read(`${component}/src/main.ts`)).toMatch(/runService/);
    }
    expect(entrypoint).toMatch(/client-simulator\)\s+shift\s+exec node \/app\/scripts\/serve-simulator\.js/);
  });

  test('.dockerignore keeps dependencies, build output and tests out of the context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const pattern of ['**/node_modules', '**/dist', '.git', '**/test']) expect(ignored).toContain(pattern);
  });
});
