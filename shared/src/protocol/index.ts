/**
 * The wire protocol alone, as `@cmf/shared/protocol`: zod schemas, their types and the close
 * codes. Browser-safe: nothing here imports Node built-ins or kafkajs, so the client simulator's
 * bundle stays small.
 */
export {
  BroadcastAllFrameSchema,
  BroadcastOneFrameSchema,
  CLIENT_FRAME_TYPES,
  ClientFrameSchema,
  RefSchema,
  KickAllFrameSchema,
  KickOneFrameSchema,
  type BroadcastAllFrame,
  type BroadcastOneFrame,
  type ClientFrame,
  type KickAllFrame,
  type KickOneFrame,
} from './client-frame.js';
export {
  ClientConnectedFrameSchema,
  ClientDisconnectedFrameSchema,
  ClientListFrameSchema,
  DirectFrameSchema,
  ErrorFrameSchema,
  FrameIdSchema,
  KafkaFrameSchema,
  KickedFrameSchema,
  ServerFrameSchema,
  Texts,
  WelcomeFrameSchema,
  type ClientConnectedFrame,
  type ClientDisconnectedFrame,
  type ClientListFrame,
  type DirectFrame,
  type ErrorFrame,
  type KafkaFrame,
  type KickedFrame,
  type ServerFrame,
  type UnstampedFrame,
  type WelcomeFrame,
} from './server-frame.js';
export { CloseCodes, type CloseCode } from './close-codes.js';
