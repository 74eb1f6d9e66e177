import type { Config, FrameRecord } from '@cmf/shared';

/** Why this frame's sender may not kick, or undefined when it may. */
export type KickRefusal = (record: FrameRecord) => string | undefined;

/**
 * Who may kick over a WebSocket. An authenticated connection (its frames carry `auth`) may when
 * its token has JWT_ADMIN_ROLE; an anonymous one when ALLOW_CLIENT_KICK is on (by default only
 * while neither ADMIN_TOKEN nor JWT is configured).
 */
export function kickPolicy(config: Pick<Config, 'ALLOW_CLIENT_KICK' | 'JWT_ADMIN_ROLE'>): KickRefusal {
  return (record) => {
    if (record.auth) return record.auth.roles.includes(config.JWT_ADMIN_ROLE) ? undefined : `Kicking needs the ${config.JWT_ADMIN_ROLE} role`;
    return config.ALLOW_CLIENT_KICK ? undefined : 'Kicking is disabled on this server';
  };
}
