/** Where a page opened as a file connects: the original server's address. */
export const STANDALONE_URL = 'ws://localhost:8088';

/** The parts of `window.location` the default depends on. */
export interface PageLocation {
  protocol: string;
  host: string;
  search: string;
}

/**
 * The gateway a fresh page points at: `?url=` when given, else the server that served the page
 * (ws: or wss: to match http: or https:), else, opened as a file, {@link STANDALONE_URL}.
 */
export function defaultServerUrl(location: PageLocation): string {
  const fromQuery = new URLSearchParams(location.search).get('url');
  if (fromQuery) return fromQuery;
  if (location.protocol === 'https:') return `wss://${location.host}`;
  if (location.protocol === 'http:') return `ws://${location.host}`;
  return STANDALONE_URL;
}

/** Where a page opened as a file finds the admin API: the all-in-one server's. */
export const STANDALONE_ADMIN_URL = 'http://localhost:8088';

/**
 * The admin API a fresh page talks to: `?admin=` when given, else the server that served the
 * page (the all-in-one server serves both), else, opened as a file, {@link STANDALONE_ADMIN_URL}.
 */
export function defaultAdminUrl(location: PageLocation): string {
  const fromQuery = new URLSearchParams(location.search).get('admin');
  if (fromQuery) return fromQuery;
  if (location.protocol === 'https:' || location.protocol === 'http:') return `${location.protocol}//${location.host}`;
  return STANDALONE_ADMIN_URL;
}

/** The WebSocket URL typed by the user, with http(s) taken as ws(s); undefined when it is not one. */
export function toWebSocketUrl(input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return undefined;
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return undefined;
  return url.href;
}
