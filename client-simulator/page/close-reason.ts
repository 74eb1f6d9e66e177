import { CloseCodes } from '@cmf/shared/protocol/close-codes';
import { RESUMED_ELSEWHERE } from './reconnect-policy.js';

/** Why a connection ended, in the words the status indicator shows. */
export interface CloseReason {
  /** `kicked`, `server shutdown`, `network`... : what the user needs to know first. */
  label: string;
  /** The close code and the server's reason text, for the curious. */
  detail: string;
}

export interface CloseEventLike {
  code: number;
  reason: string;
  /** The user pressed Disconnect. */
  byUser: boolean;
  /** The socket had opened before it closed. */
  opened: boolean;
}

const labels: Record<number, string> = {
  [CloseCodes.kicked]: 'kicked',
  [CloseCodes.goingAway]: 'server shutdown',
  [CloseCodes.messageTooBig]: 'message too big',
  [CloseCodes.serviceRestart]: 'gateway restarting, reconnect',
  [CloseCodes.slowConsumer]: 'too slow reading messages',
  [CloseCodes.tryAgainLater]: 'message bus unavailable, try again later',
  [CloseCodes.unsupportedData]: 'binary frames are not accepted',
  [CloseCodes.invalidPayload]: 'not valid UTF-8 text',
  [CloseCodes.policyViolation]: 'refused by the server (policy)',
  [RESUMED_ELSEWHERE]: 'resumed elsewhere',
  1000: 'closed by the server',
  1011: 'server error',
};

/** Close codes of the gateway (shared/src/protocol/close-codes.ts) and of the browser (1006). */
export function describeClose(event: CloseEventLike): CloseReason {
  const detail = event.reason ? `${event.code} ${event.reason}` : String(event.code);
  if (event.byUser) return { label: 'disconnected by you', detail };
  const label = labels[event.code];
  if (label) return { label, detail };
  if (event.code === 1006) {
    return { label: event.opened ? 'network: connection lost' : 'network: could not connect', detail };
  }
  return { label: `closed with code ${event.code}`, detail };
}
