import { CloseCodes } from '@cmf/shared/protocol/close-codes';

/** The end of a connection, as the reconnect rules see it. */
export interface CloseFacts {
  code: number;
  /** The user pressed Disconnect (or removed the client). */
  byUser: boolean;
  /** The socket opened before it closed. */
  opened: boolean;
  /** The socket was an automatic reconnect, not the user's Connect. */
  retrying: boolean;
}

/** Closed by another connection that resumed our id (issue 11): reconnecting would take it back. */
export const RESUMED_ELSEWHERE = 4001;

/**
 * Codes after which reconnecting cannot help: the same request would be refused again
 * (1002 protocol error, 1003 unsupported data, 1007 bad payload, 1008 policy, 1010 missing
 * extension) or the server meant us to stay away (1000 normal close, 4000 kicked, 4001 resumed
 * elsewhere). 1009 and 4008 do reconnect: the oversize frame is not sent again, and a reader
 * that fell behind starts over (the backoff keeps growing while it keeps failing).
 */
const final = new Set<number>([1000, 1002, 1003, 1007, 1008, 1010, CloseCodes.kicked, RESUMED_ELSEWHERE]);

/** Reconnect on our own after this close? */
export function shouldReconnect(facts: CloseFacts): boolean {
  if (facts.byUser) return false;
  // The user's own Connect that never got through: they see "could not connect" and decide.
  if (!facts.opened && !facts.retrying) return false;
  if (final.has(facts.code)) return false;
  // Codes of libraries (3000-3999) and applications (4000-4999) are decisions we do not know.
  return facts.code < 3000 || facts.code === CloseCodes.slowConsumer;
}

export const BACKOFF = {
  /** Delay before the first reconnect, before jitter. */
  firstMs: 500,
  /** The delay doubles per failed attempt up to this. */
  maxMs: 30_000,
  /** A connection that stayed open this long starts the backoff over. */
  stableMs: 10_000,
} as const;

/**
 * Exponential backoff with jitter: attempt 1 waits 250-500 ms, each further attempt twice as
 * long, at most 15-30 s. The random half spreads the clients of a restarted gateway over time
 * instead of bringing them back in one wave; the fixed half keeps a retry from being immediate.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (0.5 + 0.5 * random()));
}

/** The attempt number after a close: counting on from the last, or from 1 after a stable connection. */
export function nextAttempt(previous: number, openForMs: number | undefined): number {
  return openForMs !== undefined && openForMs >= BACKOFF.stableMs ? 1 : previous + 1;
}
