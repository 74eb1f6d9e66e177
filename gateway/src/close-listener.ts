import { CloseCodes, type Logger } from '@cmf/shared';
import type { CloseListener } from './connection.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** Closes that mean the client broke a rule or could not keep up: worth an operator's attention. */
const POLICY_CLOSES: ReadonlySet<number> = new Set([
  CloseCodes.unsupportedData,
  CloseCodes.invalidPayload,
  CloseCodes.policyViolation,
  CloseCodes.messageTooBig,
  CloseCodes.slowConsumer,
]);

/** Counts every close by code (cmf_gateway_closes_total) and logs it, before the socket is closed. */
export function closeListener(counters: GatewayMetrics, log: Logger): CloseListener {
  return (conn, code, reason) => {
    counters.countClose(code);
    const fields = { clientId: conn.id, code, reason, unread: conn.unread, queued: conn.ws.bufferedAmount };
    if (POLICY_CLOSES.has(code)) log.info('closing a socket', fields);
    else log.debug('socket closed', fields);
  };
}

/** ws's errors while reading a frame, by the close code ws ends the socket with (its receiver's codes). */
const PROTOCOL_ERRORS: Readonly<Record<string, number>> = {
  WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: CloseCodes.messageTooBig,
  WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH: CloseCodes.messageTooBig,
  WS_ERR_INVALID_UTF8: CloseCodes.invalidPayload,
  WS_ERR_TOO_MANY_BUFFERED_PARTS: CloseCodes.policyViolation,
};

/** The close code ws is closing the socket with after this error; 1002 for the other protocol errors. */
export function protocolCloseCode(err: Error): number | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  return PROTOCOL_ERRORS[code] ?? 1002;
}
