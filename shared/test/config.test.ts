import { CmfError, ConfigSchema, loadConfig, topicSpecs } from '@cmf/shared';

/** loadConfig's error for `env`, which must be rejected. */
function configError(env: NodeJS.ProcessEnv): CmfError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(CmfError);
    return err as CmfError;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('loadConfig', () => {
  test('defaults: port 8088, topics ws-in / ws-out / ws-presence, no brokers (memory bus)', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(8088);
    expect(config.ADMIN_PORT).toBe(8089);
    expect(config.topics).toEqual({ in: 'ws-in', out: 'ws-out', presence: 'ws-presence', deadLetter: 'ws-dead-letter' });
    expect(config.brokers).toEqual([]);
    expect(config.ALLOW_CLIENT_KICK).toBe(true);
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(config).toMatchObject({
      MAX_BUFFERED_BYTES: 1024 * 1024,
      CLIENT_RATE_PER_S: 100,
      CLIENT_BURST: 500,
      CLIENT_ABUSE_S: 10,
      MAX_CONNECTIONS: 15_000,
      MAX_CONNECTS_PER_S: 20,
      TRUST_PROXY_HOPS: 0,
      REQUIRE_ORIGIN: false,
      JWT_ROLES_CLAIM: 'roles',
      JWT_ADMIN_ROLE: 'admin',
    });
    expect(config.ALLOWED_ORIGINS).toBeUndefined();
    expect(config.JWT_SECRET).toBeUndefined();
    expect(config.GATEWAY_TIMEOUT_MS).toBeGreaterThan(config.GATEWAY_HEARTBEAT_MS);
  });

  test('admin API defaults: loopback only without a token, 10 wrong tokens a minute, 5 s for headers and for a body', () => {
    expect(loadConfig({})).toMatchObject({
      ADMIN_ALLOW_REMOTE: false,
      ADMIN_AUTH_FAILURE_LIMIT: 10,
      ADMIN_AUTH_FAILURE_WINDOW_MS: 60_000,
      HTTP_HEADERS_TIMEOUT_MS: 5_000,
      HTTP_BODY_TIMEOUT_MS: 5_000,
    });
    expect(loadConfig({ ADMIN_ALLOW_REMOTE: 'true' }).ADMIN_ALLOW_REMOTE).toBe(true);
    expect(() => loadConfig({ HTTP_BODY_TIMEOUT_MS: '0' })).toThrow(/HTTP_BODY_TIMEOUT_MS/);
  });

  test('reads process.env when given nothing', () => {
    const saved = process.env.PORT;
    process.env.PORT = '9123';
    try {
      expect(loadConfig().PORT).toBe(9123);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  test('empty values count as unset', () => {
    expect(loadConfig({ PORT: '', KAFKA_TOPIC_OUT: '', KAFKA_BROKERS: '' })).toMatchObject({
      PORT: 8088,
      brokers: [],
      topics: { out: 'ws-out' },
    });
  });

  test('numbers and booleans are parsed from their text', () => {
    const config = loadConfig({ PORT: '9000', GATEWAY_TIMEOUT_MS: '1500', ALLOW_CLIENT_KICK: 'false', KAFKA_IN_PARTITIONS: '3' });
    expect(config).toMatchObject({ PORT: 9000, GATEWAY_TIMEOUT_MS: 1500, ALLOW_CLIENT_KICK: false, KAFKA_IN_PARTITIONS: 3 });
    expect(loadConfig({ ALLOW_CLIENT_KICK: '0' }).ALLOW_CLIENT_KICK).toBe(false);
    expect(loadConfig({ ALLOW_CLIENT_KICK: '1' }).ALLOW_CLIENT_KICK).toBe(true);
    expect(loadConfig({ ALLOW_CLIENT_KICK: 'true' }).ALLOW_CLIENT_KICK).toBe(true);
  });

  describe('security settings', () => {
    test('ALLOW_CLIENT_KICK defaults to false once ADMIN_TOKEN or JWT is configured; an explicit value wins', () => {
      const secret = 'x'.repeat(32);
      expect(loadConfig({ ADMIN_TOKEN: 't' }).ALLOW_CLIENT_KICK).toBe(false);
      expect(loadConfig({ JWT_SECRET: secret }).ALLOW_CLIENT_KICK).toBe(false);
      expect(loadConfig({ JWT_JWKS_URL: 'https://auth.example/jwks.json' }).ALLOW_CLIENT_KICK).toBe(false);
      expect(loadConfig({ ADMIN_TOKEN: 't', ALLOW_CLIENT_KICK: 'true' }).ALLOW_CLIENT_KICK).toBe(true);
      expect(loadConfig({ ALLOW_CLIENT_KICK: 'false' }).ALLOW_CLIENT_KICK).toBe(false);
    });

    test('ALLOWED_ORIGINS is a list of origins, normalized as browsers send them', () => {
      expect(loadConfig({ ALLOWED_ORIGINS: 'https://App.Example.com/, http://localhost:8080,null , *' }).ALLOWED_ORIGINS).toEqual([
        'https://app.example.com',
        'http://localhost:8080',
        'null',
        '*',
      ]);
      expect(loadConfig({ ALLOWED_ORIGINS: 'https://a.example:443' }).ALLOWED_ORIGINS).toEqual(['https://a.example']);
    });

    test.each(['localhost:8080', 'https://a.example/path', 'https://a.example/?q=1', 'not a url'])('ALLOWED_ORIGINS=%j is rejected', (value) => {
      expect(configError({ ALLOWED_ORIGINS: value }).message).toContain(`ALLOWED_ORIGINS=${JSON.stringify(value)}`);
    });

    test('JWT: a short secret, a non-HTTP JWKS URL, or both at once are rejected; audiences are a list', () => {
      expect(configError({ JWT_SECRET: 'short' }).message).toContain('JWT_SECRET=');
      expect(configError({ JWT_JWKS_URL: 'file:///etc/keys.json' }).message).toContain('JWT_JWKS_URL=');
      expect(configError({ JWT_SECRET: 'x'.repeat(32), JWT_JWKS_URL: 'https://a.example/jwks' }).message).toContain('set JWT_SECRET or JWT_JWKS_URL, not both');
      expect(loadConfig({ JWT_AUDIENCE: 'cmf, cmf-staging' }).JWT_AUDIENCE).toEqual(['cmf', 'cmf-staging']);
    });

    test('a CLIENT_BURST too small for a frame of MAX_PAYLOAD_BYTES is rejected: such frames could never pass', () => {
      expect(configError({ CLIENT_BURST: '63' }).message).toContain('CLIENT_BURST=63 is below the 64 tokens');
      expect(loadConfig({ CLIENT_BURST: '16', MAX_PAYLOAD_BYTES: '16384' }).CLIENT_BURST).toBe(16);
    });

    test('PRESENCE_NOTICE_MAX: 100 by default, at most 5,000 (the held notices share one presence record)', () => {
      expect(loadConfig({}).PRESENCE_NOTICE_MAX).toBe(100);
      expect(loadConfig({ PRESENCE_NOTICE_MAX: '5000' }).PRESENCE_NOTICE_MAX).toBe(5000);
      expect(configError({ PRESENCE_NOTICE_MAX: '5001' }).message).toContain('PRESENCE_NOTICE_MAX');
    });

    test('PRESENCE_PARTIAL_LIST_MAX: 100 by default', () => {
      expect(loadConfig({}).PRESENCE_PARTIAL_LIST_MAX).toBe(100);
      expect(configError({ PRESENCE_PARTIAL_LIST_MAX: '0' }).message).toContain('PRESENCE_PARTIAL_LIST_MAX');
    });
  });

  test('variables it does not know are ignored', () => {
    expect(() => loadConfig({ HOME: '/root', SOMETHING_ELSE: '!!' })).not.toThrow();
  });

  describe('topics', () => {
    test('KAFKA_TOPIC is the old name of KAFKA_TOPIC_IN', () => {
      expect(loadConfig({ KAFKA_TOPIC: 'ws-messages' }).topics.in).toBe('ws-messages');
    });

    test('KAFKA_TOPIC_IN wins over KAFKA_TOPIC', () => {
      expect(loadConfig({ KAFKA_TOPIC: 'old', KAFKA_TOPIC_IN: 'new' }).topics.in).toBe('new');
    });

    test('KAFKA_TOPIC does not rename the other topics', () => {
      expect(loadConfig({ KAFKA_TOPIC: 'ws-messages' }).topics).toMatchObject({ out: 'ws-out', presence: 'ws-presence' });
    });

    test('each topic can be renamed, and topicSpecs creates exactly those', () => {
      const config = loadConfig({
        KAFKA_TOPIC_IN: 'a-in',
        KAFKA_TOPIC_OUT: 'a-out',
        KAFKA_TOPIC_PRESENCE: 'a-presence',
        KAFKA_TOPIC_DEAD_LETTER: 'a-dlq',
        KAFKA_IN_PARTITIONS: '5',
        KAFKA_OUT_PARTITIONS: '7',
      });
      expect(topicSpecs(config)).toEqual([
        { name: 'a-in', partitions: 5, appendTime: true },
        { name: 'a-out', partitions: 7, retentionMs: 600_000 },
        { name: 'a-presence', partitions: 1, compacted: true },
        { name: 'a-dlq', partitions: 1 },
      ]);
    });
  });

  describe('brokers', () => {
    test('KAFKA_BROKERS is a comma-separated list; spaces and empty items are dropped', () => {
      expect(loadConfig({ KAFKA_BROKERS: 'k1:9092, k2:9093 ,,k3:19092' }).brokers).toEqual(['k1:9092', 'k2:9093', 'k3:19092']);
    });

    test('KAFKA_BROKER, the old name, is read the same way', () => {
      expect(loadConfig({ KAFKA_BROKER: 'localhost:9092' }).brokers).toEqual(['localhost:9092']);
      expect(loadConfig({ KAFKA_BROKER: 'a:1,b:2' }).brokers).toEqual(['a:1', 'b:2']);
    });

    test('KAFKA_BROKERS wins when both are set', () => {
      expect(loadConfig({ KAFKA_BROKER: 'old:9092', KAFKA_BROKERS: 'new:9092' }).brokers).toEqual(['new:9092']);
    });

    test.each([
      [{ KAFKA_BROKERS: 'nohostport' }, 'KAFKA_BROKERS', 'nohostport'],
      [{ KAFKA_BROKERS: 'ok:9092,broken' }, 'KAFKA_BROKERS', 'broken'],
      [{ KAFKA_BROKERS: 'host:port' }, 'KAFKA_BROKERS', 'host:port'],
      [{ KAFKA_BROKER: 'localhost' }, 'KAFKA_BROKER', 'localhost'],
    ])('%j is rejected, naming the variable and the bad entry', (env, variable, entry) => {
      const err = configError(env);
      expect(err.code).toBe('invalid-config');
      expect(err.message).toContain(`${variable}:`);
      expect(err.message).toContain(entry);
    });
  });

  describe('a bad value throws invalid-config naming the variable', () => {
    test.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['PORT', '-1'],
      ['ADMIN_PORT', '8.5'],
      ['ALLOW_CLIENT_KICK', 'maybe'],
      ['ALLOW_CLIENT_KICK', 'yes'],
      ['GATEWAY_TIMEOUT_MS', '0'],
      ['GATEWAY_HEARTBEAT_MS', 'soon'],
      ['MAX_PAYLOAD_BYTES', '-5'],
      ['KAFKA_TOPIC', 'bad topic'],
      ['KAFKA_TOPIC_OUT', 'ws/out'],
      ['GATEWAY_ID', 'UPPER'],
      ['LOG_LEVEL', 'verbose'],
      ['CLIENT_RATE_PER_S', '0'],
      ['MAX_CONNECTIONS', 'many'],
      ['TRUST_PROXY_HOPS', '-1'],
      ['REQUIRE_ORIGIN', 'sure'],
    ])('%s=%j', (variable, value) => {
      const err = configError({ [variable]: value });
      expect(err.code).toBe('invalid-config');
      expect(err.message).toContain(`${variable}=${JSON.stringify(value)}`);
    });

    test('every bad variable is named, not only the first', () => {
      const err = configError({ PORT: 'abc', ALLOW_CLIENT_KICK: 'maybe' });
      expect(err.message).toContain('PORT=');
      expect(err.message).toContain('ALLOW_CLIENT_KICK=');
    });
  });

  test('every key of the schema is an environment variable name', () => {
    for (const key of Object.keys(ConfigSchema.shape)) expect(key).toMatch(/^[A-Z][A-Z0-9_]*$/);
  });
});

describe('blank values', () => {
  test.each(['PORT', 'ADMIN_PORT'])('%s=" " neither becomes port 0 nor passes silently', (variable) => {
    let port: number | undefined;
    try {
      port = loadConfig({ [variable]: ' ' })[variable as 'PORT' | 'ADMIN_PORT'];
    } catch (err) {
      expect((err as Error).message).toContain(variable);
      return;
    }
    expect(port).not.toBe(0);
  });
});
