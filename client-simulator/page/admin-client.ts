/**
 * The admin REST API as the page uses it: GET /health and /clients, kicks and a server
 * broadcast. Every POST sends `Content-Type: application/json` (the API requires it for
 * state-changing routes) and the bearer token when one is set. Responses are checked before
 * use; every failure is a value with a message a person can act on, never a throw.
 */
export interface Health {
  status: string;
  timestamp: string;
  clients: number;
  kafka: string;
  component?: string;
  gateway?: string;
}

export interface ClusterClient {
  id: string;
  gateway: string;
  connectedAt: string;
}

export interface ClientsReport {
  count: number;
  clients: ClusterClient[];
}

export type AdminResult<T> = { ok: true; status: number; data: T } | { ok: false; status?: number; message: string };

export interface AdminClientOptions {
  /** The admin API's origin (and path prefix, if any), e.g. `http://localhost:8089`. */
  baseUrl: string;
  token?: string;
  fetch: typeof fetch;
  /** The page's own origin, named in the hint when a cross-origin call fails. */
  pageOrigin?: string;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';

export function readHealth(body: unknown): Health | undefined {
  if (!isObject(body)) return undefined;
  const { status, timestamp, clients, kafka, component, gateway } = body;
  if (typeof status !== 'string' || typeof timestamp !== 'string' || typeof kafka !== 'string') return undefined;
  if (typeof clients !== 'number' || !Number.isFinite(clients) || !optionalString(component) || !optionalString(gateway)) return undefined;
  return { status, timestamp, clients, kafka, ...(component ? { component } : {}), ...(gateway ? { gateway } : {}) };
}

export function readClients(body: unknown): ClientsReport | undefined {
  if (!isObject(body) || typeof body.count !== 'number' || !Array.isArray(body.clients)) return undefined;
  const clients: ClusterClient[] = [];
  for (const c of body.clients) {
    if (!isObject(c) || typeof c.id !== 'string' || typeof c.gateway !== 'string' || typeof c.connectedAt !== 'string') return undefined;
    clients.push({ id: c.id, gateway: c.gateway, connectedAt: c.connectedAt });
  }
  return { count: body.count, clients };
}

/** Any 2xx JSON object is fine for a command (202 `{"status":"accepted",...}`). */
const readAccepted = (body: unknown): Json | undefined => (isObject(body) ? body : undefined);

/** `http://host:8089/` or `host:8089` → `http://host:8089`; undefined when it is not an http(s) URL. */
export function toAdminBaseUrl(input: string): string | undefined {
  const trimmed = input.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The API's own error text (`{"error":{"code","message"}}`), else the HTTP status line. */
function problemText(status: number, statusText: string, body: unknown): string {
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  if (error && typeof error.message === 'string') return `${status} ${typeof error.code === 'string' ? `${error.code}: ` : ''}${error.message}`;
  return `${status} ${statusText || 'error'}`.trim();
}

export function createAdminClient(options: AdminClientOptions) {
  const { baseUrl, token, pageOrigin } = options;
  const crossOrigin = pageOrigin !== undefined && new URL(baseUrl).origin !== pageOrigin;

  async function call<T>(method: 'GET' | 'POST', path: string, read: (body: unknown) => T | undefined, body?: object): Promise<AdminResult<T>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (method === 'POST') headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await options.fetch(`${baseUrl}${path}`, {
        method,
        headers,
        ...(method === 'POST' ? { body: JSON.stringify(body ?? {}) } : {}),
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      // The browser does not say whether CORS or the network refused: name both.
      const hint = crossOrigin ? ` Is it running, and is ${pageOrigin} in its ADMIN_CORS_ORIGINS?` : ' Is it running?';
      return { ok: false, message: `Could not reach the admin API at ${baseUrl}.${hint}` };
    }
    let json: unknown;
    try {
      json = await response.json();
    } catch {
      json = undefined;
    }
    if (!response.ok) return { ok: false, status: response.status, message: problemText(response.status, response.statusText, json) };
    const data = read(json);
    if (data === undefined) return { ok: false, status: response.status, message: `${method} ${path}: unexpected answer from ${baseUrl}` };
    return { ok: true, status: response.status, data };
  }

  return {
    baseUrl,
    health: () => call('GET', '/health', readHealth),
    clients: () => call('GET', '/clients', readClients),
    kick: (id: string) => call('POST', `/clients/${encodeURIComponent(id)}/kick`, readAccepted),
    kickAll: () => call('POST', '/clients/kick-all', readAccepted),
    broadcast: (message: string) => call('POST', '/broadcast', readAccepted, { message }),
  };
}

export type AdminClient = ReturnType<typeof createAdminClient>;
