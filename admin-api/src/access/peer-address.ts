import { isIPv6 } from 'node:net';

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** IPv4 as dotted quad, an IPv4-mapped IPv6 address as its IPv4 address, anything else as given. */
function plain(address: string): string {
  return MAPPED_V4.exec(address)?.[1] ?? address;
}

/**
 * Whether the TCP peer is this machine. The socket's own address, never a forwarded header: behind
 * a reverse proxy on the same host every request looks local, which is why such a setup needs ADMIN_TOKEN.
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const ip = plain(address);
  return ip.startsWith('127.') || ip === '::1';
}

/**
 * Whether a Host header names this machine: `localhost` (and `*.localhost`, which browsers
 * resolve to loopback themselves), a 127.0.0.0/8 address or `[::1]`, with any port. A page whose
 * own name was re-pointed at 127.0.0.1 (DNS rebinding) still sends its own name, and fails this.
 */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/:\d+$/, '');
  if (name === 'localhost' || name.endsWith('.localhost') || name === '[::1]') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/** The eight 16-bit groups of an IPv6 address, `::` expanded. */
function groups(ip: string): string[] {
  const [head = '', tail] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/**
 * What the failed-token limit counts against: an IPv4 address, or an IPv6 /64 — one host usually
 * holds a whole /64, so counting single IPv6 addresses would let it rotate past the limit.
 */
export function addressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const ip = plain(address);
  return isIPv6(ip) ? `${groups(ip).slice(0, 4).join(':')}::/64` : ip;
}
