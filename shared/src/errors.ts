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
  'timeout',
] as const;

export type ErrorCode = (typeof ErrorCodes)[number];

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
