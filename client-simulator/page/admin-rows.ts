import type { ClusterClient } from './admin-client.js';

/** The admin table shows this many rows; a filter finds the others. */
export const MAX_ROWS = 200;

/** The clients matching a filter (id or gateway, case-insensitive), at most `limit`, and how many more match. */
export function filterClients(clients: readonly ClusterClient[], filter: string, limit = MAX_ROWS): { rows: ClusterClient[]; more: number } {
  const needle = filter.trim().toLowerCase();
  const matching = needle ? clients.filter((c) => c.id.toLowerCase().includes(needle) || c.gateway.toLowerCase().includes(needle)) : clients;
  return { rows: matching.slice(0, limit), more: Math.max(0, matching.length - limit) };
}
