import { z } from 'zod';
import { unreachable } from '../unreachable.js';

/*
 * Records on the three topics. Every record is JSON; each topic's schema is the only way in
 * or out (encode/decode in ./codec.ts).
 */

const at = z.number().int().nonnegative();

// ---- ws-in: gateways and the admin API to workers ----

/** Who an authenticated connection is: its token's `sub` and roles, checked by the gateway at the upgrade. */
export const FrameAuthSchema = z.object({
  sub: z.string().optional(),
  roles: z.array(z.string()),
});

/**
 * A client's frame, exactly as received; the worker parses it (gateways hold no message logic).
 * `auth` is present when the connection was authenticated, absent for anonymous connections.
 */
export const FrameRecordSchema = z.object({
  kind: z.literal('frame'),
  clientId: z.string(),
  gateway: z.string(),
  receivedAt: at,
  data: z.string(),
  /**
   * The latest append time (ws-in stamps the broker's clock) at which the frame may still be
   * processed; appended later, the gateway has answered the client `bus-unavailable`, so the
   * worker drops it: a frame is either refused or delivered, never both.
   */
  deadline: at.optional(),
  auth: FrameAuthSchema.optional(),
});

/** What presence a connection asked for with `?presence=`: every list, changes only, or nothing. */
export const PresenceModeSchema = z.enum(['full', 'delta', 'none']);
export type PresenceMode = z.infer<typeof PresenceModeSchema>;

export const ConnectRecordSchema = z.object({
  kind: z.literal('connect'),
  clientId: z.string(),
  gateway: z.string(),
  at,
  /** Absent on records of older gateways: `full`, the original protocol. */
  presence: PresenceModeSchema.optional(),
});

export const DisconnectRecordSchema = z.object({
  kind: z.literal('disconnect'),
  clientId: z.string(),
  gateway: z.string(),
  at,
  code: z.number().int().optional(),
});

/** A gateway is alive; sent every GATEWAY_HEARTBEAT_MS. */
export const GatewayHeartbeatRecordSchema = z.object({
  kind: z.literal('gateway-heartbeat'),
  gateway: z.string(),
  at,
});

/** A gateway stopped cleanly after announcing its clients' disconnects. */
export const GatewayDownRecordSchema = z.object({
  kind: z.literal('gateway-down'),
  gateway: z.string(),
  at,
});

/** Workers tick so that dead gateways expire even when no gateway is left to heartbeat. */
export const TickRecordSchema = z.object({
  kind: z.literal('tick'),
  at,
});

export const AdminCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('kick-one'), targetId: z.string().min(1) }),
  z.object({ type: z.literal('kick-all') }),
  z.object({ type: z.literal('broadcast'), message: z.string() }),
]);

export const AdminRecordSchema = z.object({
  kind: z.literal('admin'),
  requestId: z.string(),
  at,
  command: AdminCommandSchema,
});

export const WsInRecordSchema = z.discriminatedUnion('kind', [
  FrameRecordSchema,
  ConnectRecordSchema,
  DisconnectRecordSchema,
  GatewayHeartbeatRecordSchema,
  GatewayDownRecordSchema,
  TickRecordSchema,
  AdminRecordSchema,
]);

export type FrameAuth = z.infer<typeof FrameAuthSchema>;
export type FrameRecord = z.infer<typeof FrameRecordSchema>;
export type ConnectRecord = z.infer<typeof ConnectRecordSchema>;
export type DisconnectRecord = z.infer<typeof DisconnectRecordSchema>;
export type GatewayHeartbeatRecord = z.infer<typeof GatewayHeartbeatRecordSchema>;
export type GatewayDownRecord = z.infer<typeof GatewayDownRecordSchema>;
export type TickRecord = z.infer<typeof TickRecordSchema>;
export type AdminCommand = z.infer<typeof AdminCommandSchema>;
export type AdminRecord = z.infer<typeof AdminRecordSchema>;
export type WsInRecord = z.infer<typeof WsInRecordSchema>;

/** Every presence-changing record shares this key, so one worker at a time orders them all. */
export const PRESENCE_KEY = 'presence';
export const ADMIN_KEY = 'admin';

export function wsInKey(record: WsInRecord): string {
  switch (record.kind) {
    case 'frame':
      return record.clientId;
    case 'admin':
      return ADMIN_KEY;
    case 'connect':
    case 'disconnect':
    case 'gateway-heartbeat':
    case 'gateway-down':
    case 'tick':
      return PRESENCE_KEY;
    default:
      return unreachable(record);
  }
}

// ---- ws-out: workers to every gateway ----

export const TargetSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('all'),
    except: z.array(z.string()).optional(),
    /**
     * Only sockets whose presence subscription includes this: `full` reaches `?presence=full`
     * sockets, `delta` reaches `full` and `delta` ones. Absent: every socket.
     */
    presence: z.enum(['full', 'delta']).optional(),
  }),
  z.object({ type: z.literal('clients'), ids: z.array(z.string()) }),
]);

/** Write `frame` (already serialized) to the targeted sockets. */
export const DeliverCommandSchema = z.object({
  kind: z.literal('deliver'),
  id: z.string(),
  target: TargetSchema,
  frame: z.string(),
});

/** Write `frame`, then close the targeted sockets with CloseCodes.kicked. */
export const KickCommandSchema = z.object({
  kind: z.literal('kick'),
  id: z.string(),
  target: TargetSchema,
  frame: z.string(),
});

/** The named gateway was declared dead and its clients announced gone: if it lives, it drops them. */
export const GatewayExpiredCommandSchema = z.object({
  kind: z.literal('gateway-expired'),
  id: z.string(),
  gateway: z.string(),
  /**
   * The newest `at` the cluster had from the gateway (its own clock) when it dropped it: every
   * client it announced gone had connected by then. Connections opened later (the gateway woke
   * up and took new clients, whose connects came after) are not meant. Absent: all of them.
   */
  lastSeen: z.number().optional(),
});

export const WsOutRecordSchema = z.discriminatedUnion('kind', [
  DeliverCommandSchema,
  KickCommandSchema,
  GatewayExpiredCommandSchema,
]);

/** A command without its frame: what a gateway parses (command-codec.ts carries the frame beside it). */
export const WsOutEnvelopeSchema = z.discriminatedUnion('kind', [
  DeliverCommandSchema.omit({ frame: true }),
  KickCommandSchema.omit({ frame: true }),
  GatewayExpiredCommandSchema,
]);

export type Target = z.infer<typeof TargetSchema>;
export type DeliverCommand = z.infer<typeof DeliverCommandSchema>;
export type KickCommand = z.infer<typeof KickCommandSchema>;
export type GatewayExpiredCommand = z.infer<typeof GatewayExpiredCommandSchema>;
export type WsOutRecord = z.infer<typeof WsOutRecordSchema>;
export type WsOutEnvelope = z.infer<typeof WsOutEnvelopeSchema>;

// ---- ws-presence: compacted; key `client:<id>` or `gateway:<id>`, a tombstone (null) removes ----

/** `source`: the ws-in position (`<partition>-<offset>`) of the connect record that wrote it. */
export const ClientPresenceSchema = z.object({
  kind: z.literal('client'),
  clientId: z.string(),
  gateway: z.string(),
  connectedAt: at,
  source: z.string().optional(),
});

export const GatewayPresenceSchema = z.object({
  kind: z.literal('gateway'),
  gateway: z.string(),
  lastSeen: at,
});

/**
 * A client removed by the ws-in record at `source`. Kept until the next presence batch, so a
 * batch retried after its presence writes landed (but not its announcements) still announces.
 */
export const DepartedPresenceSchema = z.object({
  kind: z.literal('departed'),
  clientId: z.string(),
  source: z.string(),
});

/** The presence owner's state besides who is where (key `clock`); see worker/src/presence-batch.ts. */
export const PresenceStateSchema = z.object({
  /** The newest liveness time (heartbeat, tick) the owner has processed: a long gap after it is a stall, not silence. */
  at,
  /** When the last full client list went out, and whether a change since then still owes one. */
  listAt: at,
  listPending: z.boolean(),
});

export const PresenceClockSchema = z.object({
  kind: z.literal('clock'),
  ...PresenceStateSchema.shape,
  /** The ws-in position of the first record of the batch that wrote it, and the state before that batch. */
  batch: z.string(),
  before: PresenceStateSchema,
});

export const PresenceRecordSchema = z.discriminatedUnion('kind', [
  ClientPresenceSchema,
  GatewayPresenceSchema,
  DepartedPresenceSchema,
  PresenceClockSchema,
]);

export type ClientPresence = z.infer<typeof ClientPresenceSchema>;
export type GatewayPresence = z.infer<typeof GatewayPresenceSchema>;
export type DepartedPresence = z.infer<typeof DepartedPresenceSchema>;
export type PresenceState = z.infer<typeof PresenceStateSchema>;
export type PresenceClock = z.infer<typeof PresenceClockSchema>;
export type PresenceRecord = z.infer<typeof PresenceRecordSchema>;

export const clientPresenceKey = (clientId: string): string => `client:${clientId}`;
export const gatewayPresenceKey = (gateway: string): string => `gateway:${gateway}`;
export const departedPresenceKey = (clientId: string): string => `departed:${clientId}`;
export const CLOCK_PRESENCE_KEY = 'clock';
