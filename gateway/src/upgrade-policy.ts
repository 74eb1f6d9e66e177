import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FrameAuth } from '@cmf/shared';

/**
 * Whether an upgrade request may become a WebSocket, decided before any socket exists; an
 * authentication rule also says who the connection is.
 */
export type Admission = { ok: true; auth?: FrameAuth } | { ok: false; status: number; reason: string };

/**
 * The hook where connection-level rules live (origin checks, authentication, connection caps):
 * each rule sees the upgrade request and either admits it or names the HTTP status to refuse it with.
 */
export type UpgradeRule = (req: IncomingMessage) => Admission | Promise<Admission>;

/** Refuses with 503 and `reason` while `open()` is false (the gateway stopping, the bus known down). */
export const whileOpen =
  (open: () => boolean, reason: string): UpgradeRule =>
  () =>
    open() ? { ok: true } : { ok: false, status: 503, reason };

/** The rules in order; the first refusal wins. */
export async function admit(rules: readonly UpgradeRule[], req: IncomingMessage): Promise<Admission> {
  let auth: FrameAuth | undefined;
  for (const rule of rules) {
    const admission = await rule(req);
    if (!admission.ok) return admission;
    auth = admission.auth ?? auth;
  }
  return auth ? { ok: true, auth } : { ok: true };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Answers a refused upgrade with a plain HTTP response and closes the socket: no WebSocket is made. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = JSON.stringify({ error: { code: 'upgrade-refused', message: reason } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
