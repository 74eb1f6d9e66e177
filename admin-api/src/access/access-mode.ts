import type { Config } from '@cmf/shared';

/**
 * Who may call the admin routes (the public ones — /health, /ready, /metrics — are open in every mode):
 * - `token`: anyone presenting `Authorization: Bearer <ADMIN_TOKEN>`;
 * - `loopback`: no token is configured, so only this machine (the safe default);
 * - `open`: no token, and ADMIN_ALLOW_REMOTE=true says every address may.
 */
export type AccessMode = { kind: 'token'; token: string } | { kind: 'loopback' } | { kind: 'open' };

export function accessModeOf(config: Config): AccessMode {
  if (config.ADMIN_TOKEN) return { kind: 'token', token: config.ADMIN_TOKEN };
  return config.ADMIN_ALLOW_REMOTE ? { kind: 'open' } : { kind: 'loopback' };
}
