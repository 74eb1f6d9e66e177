import { z } from 'zod';

/** Frames the server sends. Fields of the original server are kept; `id` and `code` are ours. */
export const WelcomeFrameSchema = z.object({
  type: z.literal('welcome'),
  clientId: z.string(),
  /** Present it as `?resume=` after a dropped connection to come back as the same client (absent when resume is off). */
  resumeToken: z.string().optional(),
  /** True on a resumed connection: the missed frames follow, then the live stream. */
  resumed: z.boolean().optional(),
  /** With `resumed`: false when part of the gap is no longer kept (or its start is unknown), so some frames are missing. */
  complete: z.boolean().optional(),
});

/**
 * Where a frame stands in the stream a client receives: the `last` of a resume. Opaque to clients;
 * every frame that can be replayed carries one.
 */
export const FrameIdSchema = z.string();

export const ClientListFrameSchema = z.object({
  type: z.literal('client-list'),
  clients: z.array(z.string()),
  /** Clients connected in all, when `clients` holds only the oldest of them (`truncated`). */
  total: z.number().optional(),
  truncated: z.boolean().optional(),
  id: FrameIdSchema,
});

export const ClientConnectedFrameSchema = z.object({
  type: z.literal('client-connected'),
  clientId: z.string(),
  id: FrameIdSchema,
});

export const ClientDisconnectedFrameSchema = z.object({
  type: z.literal('client-disconnected'),
  clientId: z.string(),
  id: FrameIdSchema,
});

export const KafkaFrameSchema = z.object({
  type: z.literal('kafka'),
  from: z.string(),
  message: z.string(),
  timestamp: z.number(),
  id: FrameIdSchema,
});

export const DirectFrameSchema = z.object({
  type: z.literal('direct'),
  from: z.string(),
  message: z.string(),
  timestamp: z.number(),
  id: FrameIdSchema,
});

export const KickedFrameSchema = z.object({
  type: z.literal('kicked'),
  message: z.string(),
  id: FrameIdSchema,
});

export const ErrorFrameSchema = z.object({
  type: z.literal('error'),
  message: z.string(),
  code: z.string(),
  field: z.string().optional(),
  /** The `ref` of the client frame that caused it, when that frame had one. */
  ref: z.string().optional(),
});

export const ServerFrameSchema = z.discriminatedUnion('type', [
  WelcomeFrameSchema,
  ClientListFrameSchema,
  ClientConnectedFrameSchema,
  ClientDisconnectedFrameSchema,
  KafkaFrameSchema,
  DirectFrameSchema,
  KickedFrameSchema,
  ErrorFrameSchema,
]);

export type WelcomeFrame = z.infer<typeof WelcomeFrameSchema>;
export type ClientListFrame = z.infer<typeof ClientListFrameSchema>;
export type ClientConnectedFrame = z.infer<typeof ClientConnectedFrameSchema>;
export type ClientDisconnectedFrame = z.infer<typeof ClientDisconnectedFrameSchema>;
export type KafkaFrame = z.infer<typeof KafkaFrameSchema>;
export type DirectFrame = z.infer<typeof DirectFrameSchema>;
export type KickedFrame = z.infer<typeof KickedFrameSchema>;
export type ErrorFrame = z.infer<typeof ErrorFrameSchema>;
export type ServerFrame = z.infer<typeof ServerFrameSchema>;

/**
 * A frame as a worker renders it: without the `id`, which the gateway adds when it frames the
 * command, since only the gateway knows where the frame stands in the stream it reads.
 */
export type UnstampedFrame = ServerFrame extends infer F ? (F extends { id: string } ? Omit<F, 'id'> : F) : never;

/** Texts clients of the original server match on. */
export const Texts = {
  invalidFormat: 'Invalid message format',
  unknownCommand: 'Unknown command',
  kickedOne: 'You have been kicked out.',
  kickedAll: 'All clients disconnected.',
} as const;
