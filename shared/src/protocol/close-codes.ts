/**
 * WebSocket close codes the gateway uses. 1000-1015 are RFC 6455's; 4000-4999 are ours.
 */
export const CloseCodes = {
  /** The gateway is shutting down (SIGTERM); reconnect to another. */
  goingAway: 1001,
  /** A binary frame: frames are JSON text. */
  unsupportedData: 1003,
  /** A text frame that is not valid UTF-8 (ws closes it while reading the frame). */
  invalidPayload: 1007,
  /** The connection kept sending over its rate limit for CLIENT_ABUSE_S. */
  policyViolation: 1008,
  /** A frame exceeded the gateway's MAX_PAYLOAD_BYTES. */
  messageTooBig: 1009,
  /** The cluster declared this gateway dead (or it was frozen long enough to be); its clients were announced as gone. Reconnect. */
  serviceRestart: 1012,
  /** The message bus could not take this connection's connect: try again later. */
  tryAgainLater: 1013,
  /** The client read too slowly: the data it had not read passed MAX_BUFFERED_BYTES. */
  slowConsumer: 4008,
  /** Kicked by another client (`kick-one`, `kick-all`) or by the admin API. */
  kicked: 4000,
  /** The client resumed on another connection (with its resume token): this one is no longer it. */
  resumedElsewhere: 4001,
} as const;

export type CloseCode = (typeof CloseCodes)[keyof typeof CloseCodes];
