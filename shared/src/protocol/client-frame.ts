import { z } from 'zod';

/** A client's own tag for a frame, echoed by every `error` frame that frame causes. */
export const RefSchema = z.string().max(64);

/** Frames a client sends. Old clients omit nothing we need; new fields are optional. */
export const BroadcastAllFrameSchema = z.object({
  type: z.enum(['broadcast-all', 'broadcast']),
  message: z.string(),
  ref: RefSchema.optional(),
});

export const BroadcastOneFrameSchema = z.object({
  type: z.literal('broadcast-one'),
  targetId: z.string().min(1),
  message: z.string(),
  ref: RefSchema.optional(),
});

export const KickOneFrameSchema = z.object({
  type: z.literal('kick-one'),
  targetId: z.string().min(1),
  ref: RefSchema.optional(),
});

export const KickAllFrameSchema = z.object({
  type: z.literal('kick-all'),
  ref: RefSchema.optional(),
});

export const ClientFrameSchema = z.discriminatedUnion('type', [
  BroadcastAllFrameSchema,
  BroadcastOneFrameSchema,
  KickOneFrameSchema,
  KickAllFrameSchema,
]);

export type BroadcastAllFrame = z.infer<typeof BroadcastAllFrameSchema>;
export type BroadcastOneFrame = z.infer<typeof BroadcastOneFrameSchema>;
export type KickOneFrame = z.infer<typeof KickOneFrameSchema>;
export type KickAllFrame = z.infer<typeof KickAllFrameSchema>;
export type ClientFrame = z.infer<typeof ClientFrameSchema>;

/**
 * Every `type` a client may send, read off the union itself (zod's `_zod.values`, its documented
 * surface for tools): a frame added to the union is a known command at once.
 */
export const CLIENT_FRAME_TYPES: ReadonlySet<string> = new Set(
  ClientFrameSchema.options.flatMap((option) => [...option.shape.type._zod.values].map(String)),
);
