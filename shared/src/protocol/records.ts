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

/**
 * A position in ws-out as a gateway read it: per partition, the offset of the next record
 * (`<o0>.<o1>…`, decimal). The same text is a frame's `id` (see FrameIdSchema).
 */
export const StreamPositionSchema = z.string().regex(/^\d+(\.\d+)*$/);

/** One socket of one client: `<gateway>:<n>`. A resumed client keeps its id on a new connection. */
const connection = z.string();

export const ConnectRecordSchema = z.object({
  kind: z.literal('connect'),
  clientId: z.string(),
  gateway: z.string(),
  at,
  /** Absent on records of older gateways: `full`, the original protocol. */
  presence: PresenceModeSchema.optional(),
  connection: connection.optional(),
  /** The client got a resume token: an abnormal end keeps its id reserved for RESUME_GRACE_MS. */
  resumable: z.boolean().optional(),
});

export const DisconnectRecordSchema = z.object({
  kind: z.literal('disconnect'),
  clientId: z.string(),
  gateway: z.string(),
  at,
  code: z.number().int().optional(),
  /** Which connection ended: a client that already resumed elsewhere is not affected. */
  connection: connection.optional(),
  /**
   * The end was not the client's choice (network, ping timeout, server shutdown, slow reader): keep
   * the id for a resume. False or absent: the client closed (1000, 1001) or was kicked; announce now.
   */
  reserve: z.boolean().optional(),
  /** Where the gateway stood in ws-out when the socket ended: a resume without `last` starts here. */
  position: StreamPositionSchema.optional(),
});

/** A gateway is alive; sent every GATEWAY_HEARTBEAT_MS. */
export const GatewayHeartbeatRecordSchema = z.object({
  kind: z.literal('gateway-heartbeat'),
  gateway: z.string(),
  at,
  /** Its position in ws-out: where its clients resume from (without `last`) should it die. */
  position: StreamPositionSchema.optional(),
});

/**
 * A client presented a valid resume token on a new connection. The presence owner answers with a
 * `resumed` or `resume-refused` command on ws-out.
 */
export const ResumeRecordSchema = z.object({
  kind: z.literal('resume'),
  clientId: z.string(),
  gateway: z.string(),
  connection,
  at,
  /** What the new connection asked for with `?presence=` (announced with, should the client come back after its grace). */
  presence: PresenceModeSchema.optional(),
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
  ResumeRecordSchema,
]);

export type FrameAuth = z.infer<typeof FrameAuthSchema>;
export type FrameRecord = z.infer<typeof FrameRecordSchema>;
export type ConnectRecord = z.infer<typeof ConnectRecordSchema>;
export type DisconnectRecord = z.infer<typeof DisconnectRecordSchema>;
export type GatewayHeartbeatRecord = z.infer<typeof GatewayHeartbeatRecordSchema>;
export type ResumeRecord = z.infer<typeof ResumeRecordSchema>;
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
    case 'resume':
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
  /** The gateway adds the frame's `id` (its stream position) and a resume replays it; absent on answers such as errors. */
  replayable: z.boolean().optional(),
});

/** Write `frame` (with its `id` added), then close the targeted sockets with CloseCodes.kicked. */
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

/**
 * The presence owner gave `clientId` to `connection` on `gateway`: that gateway activates it (the
 * seam between replay and live is this record's place in its stream), every other connection of
 * the client is closed with 4001. `drop`: where the client's last connection stood when it ended.
 */
export const ResumedCommandSchema = z.object({
  kind: z.literal('resumed'),
  id: z.string(),
  clientId: z.string(),
  gateway: z.string(),
  connection,
  drop: StreamPositionSchema.optional(),
});

/** The resume on `connection` cannot be granted: the gateway tells the client why and welcomes it with a new id. */
export const ResumeRefusedCommandSchema = z.object({
  kind: z.literal('resume-refused'),
  id: z.string(),
  gateway: z.string(),
  connection,
  reason: z.string(),
});

export const WsOutRecordSchema = z.discriminatedUnion('kind', [
  DeliverCommandSchema,
  KickCommandSchema,
  GatewayExpiredCommandSchema,
  ResumedCommandSchema,
  ResumeRefusedCommandSchema,
]);

/** A command without its frame: what a gateway parses (command-codec.ts carries the frame beside it). */
export const WsOutEnvelopeSchema = z.discriminatedUnion('kind', [
  DeliverCommandSchema.omit({ frame: true }),
  KickCommandSchema.omit({ frame: true }),
  GatewayExpiredCommandSchema,
  ResumedCommandSchema,
  ResumeRefusedCommandSchema,
]);

export type Target = z.infer<typeof TargetSchema>;
export type DeliverCommand = z.infer<typeof DeliverCommandSchema>;
export type KickCommand = z.infer<typeof KickCommandSchema>;
export type GatewayExpiredCommand = z.infer<typeof GatewayExpiredCommandSchema>;
export type ResumedCommand = z.infer<typeof ResumedCommandSchema>;
export type ResumeRefusedCommand = z.infer<typeof ResumeRefusedCommandSchema>;
export type WsOutRecord = z.infer<typeof WsOutRecordSchema>;
export type WsOutEnvelope = z.infer<typeof WsOutEnvelopeSchema>;

// ---- ws-presence: compacted; key `client:<id>` or `gateway:<id>`, a tombstone (null) removes ----

/**
 * `source`: the ws-in position (`<partition>-<offset>`) of the connect or resume record that wrote it.
 * `away`: its connection ended abnormally at `since`; the id stays reserved until RESUME_GRACE_MS after.
 */
export const ClientPresenceSchema = z.object({
  kind: z.literal('client'),
  clientId: z.string(),
  gateway: z.string(),
  connectedAt: at,
  source: z.string().optional(),
  connection: connection.optional(),
  resumable: z.boolean().optional(),
  away: z.object({ since: at, position: StreamPositionSchema.optional() }).optional(),
  /**
   * Written by the resume record at `source`: where the client's previous connection ended, and
   * whether it had already been announced gone (then it was announced again). A retried batch
   * answers the same from it.
   */
  resume: z.object({ drop: StreamPositionSchema.optional(), rejoined: z.boolean() }).optional(),
});

export const GatewayPresenceSchema = z.object({
  kind: z.literal('gateway'),
  gateway: z.string(),
  lastSeen: at,
  /** Its ws-out position at its latest heartbeat. */
  position: StreamPositionSchema.optional(),
});

/**
 * A resumable client whose grace period ended (it was announced gone): it may still resume until
 * RESUME_WINDOW_MS after `since`, when its connection ended. Key `ended:<id>`.
 */
export const EndedPresenceSchema = z.object({
  kind: z.literal('ended'),
  clientId: z.string(),
  since: at,
  position: StreamPositionSchema.optional(),
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
  /** When presence notices last went out: at most once per PRESENCE_LIST_INTERVAL_MS. */
  noticeAt: at.default(0),
  /** Changes waiting for the next notices (at most PRESENCE_NOTICE_MAX), in the order they happened. */
  held: z.array(z.object({ clientId: z.string(), source: z.string(), change: z.enum(['new', 'gone']) })).default([]),
  /** More changes than PRESENCE_NOTICE_MAX came in one interval: a capped list replaces the held notices. */
  summaryPending: z.boolean().default(false),
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
  EndedPresenceSchema,
]);

export type ClientPresence = z.infer<typeof ClientPresenceSchema>;
export type GatewayPresence = z.infer<typeof GatewayPresenceSchema>;
export type DepartedPresence = z.infer<typeof DepartedPresenceSchema>;
export type EndedPresence = z.infer<typeof EndedPresenceSchema>;
export type PresenceState = z.infer<typeof PresenceStateSchema>;
export type PresenceClock = z.infer<typeof PresenceClockSchema>;
export type PresenceRecord = z.infer<typeof PresenceRecordSchema>;

export const clientPresenceKey = (clientId: string): string => `client:${clientId}`;
export const gatewayPresenceKey = (gateway: string): string => `gateway:${gateway}`;
export const departedPresenceKey = (clientId: string): string => `departed:${clientId}`;
export const endedPresenceKey = (clientId: string): string => `ended:${clientId}`;
export const CLOCK_PRESENCE_KEY = 'clock';
