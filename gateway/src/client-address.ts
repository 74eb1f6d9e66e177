import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * The client's address: the socket's peer or, with `trustHops` proxies in front that each append
 * the address they saw to X-Forwarded-For, the entry the outermost of them appended. Entries
 * further left are the client's own to forge, so they are never read.
 */
export function clientAddress(req: IncomingMessage, trustHops: number): string {
  const peer = req.socket.remoteAddress ?? '';
  if (trustHops === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((h) => h.trim());
  const entry = hops.length >= trustHops ? hops[hops.length - trustHops] : undefined;
  return entry !== undefined && isIP(entry) ? entry : peer;
}

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** 127.0.0.0/8 and ::1: a peer on the same host (a sidecar proxy, a local tool). */
export function isLoopback(address: string): boolean {
  const v4 = MAPPED_V4.exec(address)?.[1] ?? address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * What one "source" is for a rate limit: an IPv4 address, or an IPv6 /64 (one subscriber's
 * network: whoever holds one has 2^64 addresses to rotate through).
 */
export function sourceKey(address: string): string {
  const v4 = MAPPED_V4.exec(address)?.[1];
  if (v4) return v4;
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
