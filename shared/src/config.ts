import { z } from 'zod';
import { CmfError } from './errors.js';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const name = z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-" only').max(200);
/** An exact web origin, as browsers send it in `Origin`: scheme, host and port, nothing else. */
const isOrigin = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
};
const origins = z
  .string()
  .transform((list) => list.split(',').map((o) => o.trim()).filter(Boolean))
  .pipe(z.array(z.string().refine(isOrigin, 'an exact origin such as https://simulator.example.com (lowercase, no path or trailing slash)')));
/** A comma-separated list; blanks around and between items are dropped. */
const list = z.string().transform((v) => v.split(',').map((item) => item.trim()).filter(Boolean));
/** `*`, `null` (pages from files and sandboxed frames), or scheme://host[:port], normalized as browsers send it. */
const origin = z.string().transform((item, ctx) => {
  if (item === '*' || item === 'null') return item;
  const url = URL.canParse(item) ? new URL(item) : undefined;
  if (url && url.origin !== 'null' && (url.pathname === '/' || url.pathname === '') && !url.search) return url.origin;
  ctx.addIssue({ code: 'custom', message: `"${item}" is not an origin (scheme://host[:port]), "*" or "null"` });
  return z.NEVER;
});

/**
 * Every environment variable CMF reads, with its default. The README's configuration table and
 * the Helm chart are checked against this schema's keys.
 */
export const ConfigSchema = z.object({
  /** HTTP + WebSocket port of the gateway, and of the all-in-one server. */
  PORT: port.default(8088),
  /** HTTP port of the standalone admin API. */
  ADMIN_PORT: port.default(8089),
  /** Address to bind. */
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Comma-separated Kafka bootstrap servers. Unset: the all-in-one server uses its in-memory bus. */
  KAFKA_BROKERS: z.string().optional(),
  /** Old name of KAFKA_BROKERS; KAFKA_BROKERS wins when both are set. */
  KAFKA_BROKER: z.string().optional(),
  /** Old name of KAFKA_TOPIC_IN: the topic every client frame goes to. */
  KAFKA_TOPIC: name.optional(),
  KAFKA_TOPIC_IN: name.optional(),
  KAFKA_TOPIC_OUT: name.default('ws-out'),
  KAFKA_TOPIC_PRESENCE: name.default('ws-presence'),
  KAFKA_TOPIC_DEAD_LETTER: name.default('ws-dead-letter'),
  /** Partitions of ws-in when CMF creates it: the ceiling on worker replicas. */
  KAFKA_IN_PARTITIONS: positiveInt.default(12),
  /**
   * Partitions of ws-out when CMF creates it. One (the default) gives every gateway the same total
   * order, so frame ids are plain offsets and a resume replays in exactly the original order.
   */
  KAFKA_OUT_PARTITIONS: positiveInt.default(1),
  /** Replication factor of topics CMF creates. */
  KAFKA_REPLICATION_FACTOR: positiveInt.default(1),
  KAFKA_CLIENT_ID: name.default('cmf'),
  /** Connect to the brokers over TLS (the system's trusted CAs). */
  KAFKA_SSL: bool.default(false),
  /** SASL mechanism for the brokers; unset means no SASL. Needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD. */
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  /** A consumer silent this long loses its partitions to the others: worker failover takes about this long. */
  KAFKA_SESSION_TIMEOUT_MS: positiveInt.default(2_000),
  /** How often consumers heartbeat to their group; well under the session timeout. */
  KAFKA_HEARTBEAT_MS: positiveInt.default(400),
  /** The most one produce request carries: keep it within the broker's max.message.bytes. */
  KAFKA_MAX_REQUEST_BYTES: positiveInt.default(1_000_000),
  /** A client frame Kafka has not acknowledged within this long is refused with bus-unavailable, and never delivered. */
  PUBLISH_TIMEOUT_MS: positiveInt.default(2_000),
  /** The most the in-memory bus keeps (npm start without Kafka); unread records beyond it are refused. */
  MEMORY_BUS_MAX_BYTES: positiveInt.default(256 * 1024 * 1024),
  /** Of that, the most the in-memory bus keeps of ws-out records every gateway has read, for resumes (oldest dropped first). */
  MEMORY_BUS_REPLAY_BYTES: positiveInt.default(64 * 1024 * 1024),
  /**
   * The key gateways sign resume tokens with; every gateway of a cluster needs the same one. Unset:
   * the all-in-one server on the memory bus draws one at start; on Kafka, resume is off (a warning says so).
   */
  RESUME_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** A client may resume up to this long after its connection ended (and as far back as ws-out still holds). */
  RESUME_WINDOW_MS: positiveInt.default(600_000),
  /** An abnormally ended connection keeps its client id (listed, reachable, no client-disconnected) this long. 0: announced at once. */
  RESUME_GRACE_MS: nonNegativeInt.default(30_000),
  /** Times a worker tries a batch that fails with a permanent error before it dead-letters the records that fail. */
  WORKER_MAX_ATTEMPTS: positiveInt.default(3),
  /** The workers' consumer group: the one KEDA watches. */
  WORKER_GROUP_ID: name.default('cmf-worker'),
  /** Each gateway consumes ws-out in a group of its own: `<prefix>-<gateway id>`. */
  GATEWAY_GROUP_PREFIX: name.default('cmf-gateway'),
  /** This gateway's name in client ids and presence; default: random, new at every start. */
  GATEWAY_ID: z.string().regex(/^[a-z0-9]{1,16}$/, 'lowercase letters and digits, 1-16').optional(),
  /** Largest client frame accepted; a larger one closes that socket with 1009. */
  MAX_PAYLOAD_BYTES: positiveInt.default(64 * 1024),
  /**
   * A socket whose data the client has not yet read (queued in the process, in the kernel's
   * buffers, or unread by the client) passes this is cut off with 4008 (slow consumer).
   */
  MAX_BUFFERED_BYTES: positiveInt.default(1024 * 1024),
  /** WebSocket ping interval; a socket that missed a pong by the next ping is terminated. */
  PING_INTERVAL_MS: positiveInt.default(30_000),
  /** How often each gateway announces it is alive. */
  GATEWAY_HEARTBEAT_MS: positiveInt.default(2_000),
  /** A gateway silent for this long is declared dead and its clients announced as disconnected. */
  GATEWAY_TIMEOUT_MS: positiveInt.default(10_000),
  /** Full client lists go to every `?presence=full` socket only while the cluster has at most this many clients; beyond, changes only. */
  PRESENCE_FULL_LIST_MAX: positiveInt.default(500),
  /** At most one full client list per this long, however many clients come and go. */
  PRESENCE_LIST_INTERVAL_MS: positiveInt.default(1_000),
  /**
   * Notices (`client-connected` / `client-disconnected`) that go out one by one per
   * PRESENCE_LIST_INTERVAL_MS; changes beyond them in that interval are summed up in one capped
   * `client-list` when it ends, so a connect storm costs each client a bounded number of bytes.
   */
  // The held notices live in one presence record: 5,000 stay far below a broker's 1 MB record limit.
  PRESENCE_NOTICE_MAX: positiveInt.max(5_000).default(100),
  /**
   * Past PRESENCE_FULL_LIST_MAX clients a list (a newcomer's own, or the one that replaces an
   * interval's notices) names only the oldest this many, with `total` and `truncated`.
   */
  PRESENCE_PARTIAL_LIST_MAX: positiveInt.default(100),
  /**
   * Let unauthenticated clients send `kick-one` and `kick-all` (the original protocol); false
   * answers them with `forbidden`. Unset: true, unless ADMIN_TOKEN or JWT authentication is
   * configured (see loadConfig), so that one kick path is never protected while the other is open.
   */
  ALLOW_CLIENT_KICK: bool.optional(),
  /** HS256 secret that signs connection tokens (at least 32 characters); set this or JWT_JWKS_URL to require a JWT on every upgrade. */
  JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** URL of a JSON Web Key Set whose keys sign connection tokens (RS256, ES256, EdDSA...). */
  JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Accepted `aud` values, comma-separated; unset: `aud` is not checked. */
  JWT_AUDIENCE: list.optional(),
  /** Required `iss`; unset: `iss` is not checked. */
  JWT_ISSUER: z.string().min(1).optional(),
  /** The claim holding the token's roles (an array, or a space-separated string); a dotted path reaches into objects. */
  JWT_ROLES_CLAIM: z.string().min(1).default('roles'),
  /** The role that lets a connection kick (`kick-one`, `kick-all`) when authentication is on. */
  JWT_ADMIN_ROLE: z.string().min(1).default('admin'),
  /** Origins (scheme://host[:port]) whose pages may open sockets, comma-separated, `*` for any; unset: only the gateway's own origin, at localhost or an IP address. */
  ALLOWED_ORIGINS: list.pipe(z.array(origin)).optional(),
  /** Refuse upgrades that carry no Origin header (non-browser clients send none). */
  REQUIRE_ORIGIN: bool.default(false),
  /** Tokens per second a connection's frames pass at: a frame costs one per started KiB. */
  CLIENT_RATE_PER_S: positiveInt.default(100),
  /** Tokens of a connection's frames that may wait their turn (a burst); a frame beyond them is refused. */
  CLIENT_BURST: positiveInt.default(500),
  /** A connection whose frames keep being refused for this many seconds is closed with 1008. */
  CLIENT_ABUSE_S: positiveInt.default(10),
  /** Open sockets one gateway holds at most; beyond it upgrades get 503. */
  MAX_CONNECTIONS: positiveInt.default(15_000),
  /** New connections per second from one address (IPv6: one /64); beyond it upgrades get 429. Loopback peers are exempt. */
  MAX_CONNECTS_PER_S: positiveInt.default(20),
  /** Proxies in front of the gateway that append to X-Forwarded-For; the client's address is the entry this far from the end. 0: the socket's peer. */
  TRUST_PROXY_HOPS: nonNegativeInt.default(0),
  /** When set, every admin route but /health, /ready and /metrics needs `Authorization: Bearer <token>`. */
  ADMIN_TOKEN: z.string().min(1).optional(),
  /** Without ADMIN_TOKEN the admin routes answer loopback addresses only; true opens them to every address. Ignored with a token. */
  ADMIN_ALLOW_REMOTE: bool.default(false),
  /** Wrong tokens one address may present per window before its token-protected requests get 429. */
  ADMIN_AUTH_FAILURE_LIMIT: positiveInt.default(10),
  /** The window of ADMIN_AUTH_FAILURE_LIMIT, from an address's first wrong token. */
  ADMIN_AUTH_FAILURE_WINDOW_MS: positiveInt.default(60_000),
  /** Time a client has to send the request line and headers (slow-header attacks). */
  HTTP_HEADERS_TIMEOUT_MS: positiveInt.default(5_000),
  /** Time a client has to send a request body once its headers are in; then 408 (slow-body attacks). */
  HTTP_BODY_TIMEOUT_MS: positiveInt.default(5_000),
  /** Browser origins (comma list) allowed to call the admin API cross-origin, e.g. the standalone simulator's; unset: no CORS headers. */
  ADMIN_CORS_ORIGINS: origins.optional(),
  /** How long a stopping process waits for sockets and the producer. */
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** `json` lines, `pretty` lines for people, or `auto`: pretty when stderr is a terminal. */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  /** The gateway URL (ws:// or wss://) the standalone simulator page points at; unset: the host that served the page. */
  SIMULATOR_GATEWAY_URL: z.string().regex(/^wss?:\/\/\S+$/, 'a ws:// or wss:// URL').optional(),
  /** The admin API URL (http:// or https://) the standalone simulator page's admin view calls; unset: the host that served the page. */
  SIMULATOR_ADMIN_URL: z.string().regex(/^https?:\/\/\S+$/, 'an http:// or https:// URL').optional(),
  /** Set by Kubernetes in every pod: the admin API's GET /cluster reads the cluster only when it is present. */
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  /** Namespace GET /cluster looks in; default: the pod's own (its service account's namespace). */
  K8S_NAMESPACE: z.string().optional(),
  /** Label selector of the gateway pods GET /cluster reports on. */
  K8S_GATEWAY_SELECTOR: z.string().min(1).default('app.kubernetes.io/component=gateway'),
  /** Name of the worker Deployment GET /cluster reports on. */
  K8S_WORKER_DEPLOYMENT: name.default('cmf-worker'),
  /** Name of the KEDA ScaledObject that scales the workers. */
  K8S_SCALED_OBJECT: name.default('cmf-worker'),
});

export type RawConfig = z.infer<typeof ConfigSchema>;

export interface Topics {
  in: string;
  out: string;
  presence: string;
  deadLetter: string;
}

export type Config = Omit<RawConfig, 'ALLOW_CLIENT_KICK'> & {
  /** Resolved: the variable's value, or its default given the other settings. */
  ALLOW_CLIENT_KICK: boolean;
  brokers: string[];
  topics: Topics;
};

/** Bytes that cost one token of a connection's rate limit. */
export const RATE_TOKEN_BYTES = 1024;

/** Variables whose values an error message must not repeat. */
const SECRETS = new Set(['RESUME_SECRET', 'ADMIN_TOKEN', 'KAFKA_SASL_PASSWORD']);

/** Parse the environment once; a bad value throws CmfError('invalid-config') naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A blank value means unset: PORT=" " must not become port 0.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const result = ConfigSchema.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const variable = String(issue.path[0]);
      const shown = SECRETS.has(variable) ? '(hidden)' : JSON.stringify(env[variable]);
      return `${variable}=${shown}: ${issue.message}`;
    });
    throw new CmfError('invalid-config', `Invalid configuration: ${lines.join('; ')}`);
  }
  const raw = result.data;
  const brokers = (raw.KAFKA_BROKERS ?? raw.KAFKA_BROKER ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const badBroker = brokers.find((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (badBroker) {
    const variable = raw.KAFKA_BROKERS ? 'KAFKA_BROKERS' : 'KAFKA_BROKER';
    throw new CmfError('invalid-config', `Invalid configuration: ${variable}: "${badBroker}" is not host:port`);
  }
  if (raw.RESUME_GRACE_MS > raw.RESUME_WINDOW_MS) {
    throw new CmfError('invalid-config', `Invalid configuration: RESUME_GRACE_MS (${raw.RESUME_GRACE_MS}) must not exceed RESUME_WINDOW_MS (${raw.RESUME_WINDOW_MS})`);
  }
  if (raw.KAFKA_SASL_MECHANISM) {
    const missing = (['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const).find((v) => !raw[v]);
    if (missing) throw new CmfError('invalid-config', `Invalid configuration: ${missing} is required with KAFKA_SASL_MECHANISM`);
  }
  if (raw.JWT_SECRET && raw.JWT_JWKS_URL) {
    throw new CmfError('invalid-config', 'Invalid configuration: set JWT_SECRET or JWT_JWKS_URL, not both');
  }
  const largestFrameCost = Math.ceil(raw.MAX_PAYLOAD_BYTES / RATE_TOKEN_BYTES);
  if (raw.CLIENT_BURST < largestFrameCost) {
    throw new CmfError(
      'invalid-config',
      `Invalid configuration: CLIENT_BURST=${raw.CLIENT_BURST} is below the ${largestFrameCost} tokens a frame of MAX_PAYLOAD_BYTES costs: such frames could never wait their turn`,
    );
  }
  const authenticated = Boolean(raw.ADMIN_TOKEN ?? raw.JWT_SECRET ?? raw.JWT_JWKS_URL);
  return {
    ...raw,
    ALLOW_CLIENT_KICK: raw.ALLOW_CLIENT_KICK ?? !authenticated,
    brokers,
    topics: {
      in: raw.KAFKA_TOPIC_IN ?? raw.KAFKA_TOPIC ?? 'ws-in',
      out: raw.KAFKA_TOPIC_OUT,
      presence: raw.KAFKA_TOPIC_PRESENCE,
      deadLetter: raw.KAFKA_TOPIC_DEAD_LETTER,
    },
  };
}
