import { randomBytes } from 'node:crypto';

/**
 * A gateway's name: 10 random base-36 characters (about 51 bits), new at every start. Client ids
 * are `client-<gateway>-<n>`, so they never collide across gateways or restarts without a
 * coordinator: two gateways would need the same 51-bit draw.
 */
export function newGatewayId(): string {
  return BigInt(`0x${randomBytes(7).toString('hex')}`).toString(36).padStart(11, '0').slice(-10);
}

export function clientIdOf(gateway: string, n: number): string {
  return `client-${gateway}-${n}`;
}
