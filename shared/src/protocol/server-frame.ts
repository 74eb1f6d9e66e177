import { z } from 'zod';

/** Frames the server sends. Fields of the original server are kept; `id` and `code` are ours. */
export const WelcomeFrameSchema = z.object({
  type: z.literal('welcome'),
  clientId: z.string(),
});

export const ClientListFrameSchema = z.object({
  type: z.literal('client-list'),
  clients: z.array(z.string()),
  /** Clients connected in all, when `clients` holds only the oldest of them (`truncated`). */
  total: z.number().optional(),
  truncated: z.boolean().optional(),
});

export const ClientConnectedFrameSchema = z.object({
  type: z.literal('client-connected'),
  clientId: z.string(),
});

export const ClientDisconnectedFrameSchema = z.object({
  type: z.literal('client-disconnected'),
  clientId: z.string(),
});

export const KafkaFrameSchema = z.object({
  type: z.literal('kafka'),
  from: z.string(),
  message: z.string(),
  timestamp: z.number(),
  id: z.string(),
});

export const DirectFrameSchema = z.object({
  type: z.literal('direct'),
  from: z.string(),
  message: z.string(),
  timestamp: z.number(),
  id: z.string(),
});

export const KickedFrameSchema = z.object({
  type: z.literal('kicked'),
  message: z.string(),
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

/** Texts clients of the original server match on. */
export const Texts = {
  invalidFormat: 'Invalid message format',
  unknownCommand: 'Unknown command',
  kickedOne: 'You have been kicked out.',
  kickedAll: 'All clients disconnected.',
} as const;
