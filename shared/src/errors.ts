/** Every error code CMF raises; code branches on these, never on message text. */
export const ErrorCodes = [
  'invalid-config',
  'invalid-record',
  'invalid-format',
  'unknown-command',
  'invalid-field',
  'unknown-target',
  'forbidden',
  'rate-limited',
  'bus-closed',
  'bus-unavailable',
  'record-too-large',
  'timeout',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

/** Worth trying again later: the broker or a peer may be back. The rest will fail the same way. */
const RETRIABLE: ReadonlySet<ErrorCode> = new Set(['bus-unavailable', 'timeout']);

export class CmfError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CmfError';
    this.code = code;
    this.retriable = RETRIABLE.has(code);
  }
}

/**
 * Whether an error may go away by itself (the retry logic waits and tries again) or will recur on
 * the same input (the retry logic gives up on the input). Errors that do not say are permanent:
 * a bug in a handler fails the same way every time.
 */
export function isRetriable(err: unknown): boolean {
  return err instanceof CmfError ? err.retriable : false;
}
