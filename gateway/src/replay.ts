import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CloseCodes, CmfError, decodeCommand, type ConsumedRecord, type Logger, type RangeReader, type ReceivedCommand, type WsOutEnvelope } from '@cmf/shared';
import type { Connection } from './connection.js';
import { wantsPresence } from './connection-registry.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { RecentIds } from './recent-ids.js';
import { encodePosition } from './stream-position.js';
import { textFrame } from './text-frame.js';

/** One resumed connection's gap: the records of each partition in [from, to). */
export interface ReplayRequest {
  conn: Connection;
  /** Where the client stands; undefined when nobody knows (nothing is replayed, `complete: false`). */
  from: number[] | undefined;
  /** The gateway's position when the connection went live: from there on it gets frames live. */
  to: number[];
}

export interface ReplayDeps {
  reader(): Promise<RangeReader>;
  startOffsets(): Promise<Map<number, string>>;
  /** Where each recent command id was first seen: a later copy (a worker's retry) is not replayed. */
  recent: RecentIds;
  maxBufferedBytes: number;
  /** A sweep that reads nothing for this long gives up: its connections are closed (1013) to resume again. */
  stallMs: number;
  counters: GatewayMetrics;
  log: Logger;
  /** The resumed welcome, before any replayed frame. */
  welcome(conn: Connection, complete: boolean): void;
  /** The gap held a kick for the client: it was written; announce the end before the socket closes. */
  kicked(conn: Connection): void;
}

interface Replaying {
  req: ReplayRequest;
  from: number[];
  out: Buffer[];
  frames: number;
  /** Closed, kicked or too slow: nothing more is written. */
  ended: boolean;
  kicked: boolean;
}

interface Addressed {
  envelope: Extract<WsOutEnvelope, { kind: 'deliver' | 'kick' }>;
  frame: Buffer;
}

/**
 * Frames placed between two yields to the event loop: a sweep for many clients writes what it
 * has and lets sockets, timers and Kafka heartbeats run, so it never stalls the live path.
 */
const SLICE = 20_000;

/**
 * Replays resumed clients' gaps from ws-out. Requests that arrive together share one sweep: each
 * partition is read once, from the lowest `from` to the highest `to` among them, each record
 * decoded once and written to every connection it was addressed to (a broadcast is framed once
 * for all of them). So 1,000 clients resuming at once after a gateway died cost about one read
 * of the gap, not 1,000. Within a partition the original order holds; with one partition (the
 * default) that is the exact order the clients would have seen live. Each replayed frame carries
 * the id it would have had, so a client dropped again mid-replay resumes from there.
 */
export class Replay {
  private queued: ReplayRequest[] = [];
  private running = false;

  constructor(private readonly deps: ReplayDeps) {}

  add(req: ReplayRequest): void {
    this.queued.push(req);
    if (this.running) return;
    this.running = true;
    // Resumes granted in the same ws-out batch join the same sweep.
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (this.queued.length > 0) {
      const states = this.queued.splice(0).map((req) => ({ req, from: req.from ?? req.to, out: [], frames: 0, ended: false, kicked: false }));
      try {
        await this.sweep(states);
      } catch (err) {
        this.deps.log.warn('replay failed; the resumed connections are closed to try again', { clients: states.length, err });
        for (const s of states) if (!s.ended) s.req.conn.close(CloseCodes.tryAgainLater, 'Resume failed: try again');
      }
    }
    this.running = false;
  }

  private async sweep(states: Replaying[]): Promise<void> {
    this.deps.counters.replaySweeps += 1;
    const started = performance.now();
    const bytesBefore = this.deps.counters.replayBytesRead;
    const starts = await this.deps.startOffsets();
    for (const s of states) {
      const { from } = s.req;
      const complete = from !== undefined && from.every((offset, p) => offset >= Number(starts.get(p) ?? 0));
      this.deps.welcome(s.req.conn, complete);
    }
    const reader = await this.deps.reader();
    const partitions = states[0]?.req.to.length ?? 0;
    for (let p = 0; p < partitions; p += 1) {
      const reading = states.filter((s) => !s.ended && s.from[p]! < s.req.to[p]!);
      if (reading.length === 0) continue;
      const lo = Math.min(...reading.map((s) => s.from[p]!));
      const hi = Math.max(...reading.map((s) => s.req.to[p]!));
      await this.readPartition(reader, p, lo, hi, reading, partitions);
    }
    for (const s of states) if (!s.ended && !s.req.conn.closing) s.req.conn.release(this.deps.maxBufferedBytes);
    this.deps.log.debug('replay sweep', { clients: states.length, bytesRead: this.deps.counters.replayBytesRead - bytesBefore, ms: Math.round(performance.now() - started) });
  }

  private async readPartition(reader: RangeReader, partition: number, lo: number, hi: number, states: Replaying[], partitions: number): Promise<void> {
    const byClient = new Map<string, Replaying[]>();
    for (const s of states) byClient.set(s.req.conn.id, [...(byClient.get(s.req.conn.id) ?? []), s]);
    const seen = new Set<string>();
    const abort = new AbortController();
    let stall = setTimeout(() => abort.abort(new CmfError('timeout', `replay read nothing for ${this.deps.stallMs} ms`)), this.deps.stallMs);
    const onRecords = async (records: ConsumedRecord[]): Promise<void> => {
      clearTimeout(stall);
      stall = setTimeout(() => abort.abort(new CmfError('timeout', `replay read nothing for ${this.deps.stallMs} ms`)), this.deps.stallMs);
      let placed = 0;
      for (const r of records) {
        if (placed >= SLICE) {
          this.flush(states);
          placed = 0;
          await yieldToEventLoop();
        }
        this.deps.counters.replayBytesRead += (r.value?.length ?? 0) + (r.key?.length ?? 0);
        const addressed = this.addressed(r, partition, seen);
        if (!addressed) continue;
        const command = addressed.envelope;
        const offset = Number(r.offset);
        const targets = command.target.type === 'clients' ? command.target.ids.flatMap((id) => byClient.get(id) ?? []) : states;
        // With one partition every client's id for this record is the same: framed once for all.
        let shared: Buffer | undefined;
        for (const s of targets) {
          if (s.ended || offset < s.from[partition]! || offset >= s.req.to[partition]!) continue;
          if (command.target.type === 'all' && (command.target.except?.includes(s.req.conn.id) || !wantsPresence(command.target.presence, s.req.conn.presence))) continue;
          const framed =
            partitions === 1
              ? (shared ??= textFrame(addressed.frame, String(offset + 1)))
              : textFrame(addressed.frame, replayId(s, partition, offset));
          s.out.push(framed);
          s.frames += 1;
          placed += 1;
          if (command.kind === 'kick') {
            s.kicked = true;
            s.ended = true;
          }
        }
      }
      this.flush(states);
    };
    try {
      await reader.read(partition, String(lo), String(hi), onRecords, abort.signal);
    } finally {
      clearTimeout(stall);
    }
  }

  /** The command a record holds, when it is one a client may be owed: a replayable delivery or a kick, seen first here. */
  private addressed(r: ConsumedRecord, partition: number, seen: Set<string>): Addressed | undefined {
    let received: ReceivedCommand;
    try {
      received = decodeCommand(r.value ?? Buffer.alloc(0));
    } catch {
      return undefined;
    }
    const { envelope, frame } = received;
    if (envelope.kind !== 'kick' && !(envelope.kind === 'deliver' && envelope.replayable)) return undefined;
    if (seen.has(envelope.id)) return undefined;
    seen.add(envelope.id);
    const first = this.deps.recent.firstSeen(envelope.id);
    return first === undefined || first === `${partition}:${r.offset}` ? { envelope, frame: frame! } : undefined;
  }

  /** One write per connection per chunk read; a kicked client's socket ends after its kicked frame. */
  private flush(states: Replaying[]): void {
    for (const s of states) {
      if (s.out.length === 0) continue;
      const { conn } = s.req;
      const result = conn.writeNow(s.out.length === 1 ? s.out[0]! : Buffer.concat(s.out), this.deps.maxBufferedBytes);
      s.out = [];
      if (result === 'sent') this.deps.counters.replayedFrames += s.frames;
      s.frames = 0;
      if (result === 'slow') {
        s.ended = true;
        conn.close(CloseCodes.slowConsumer, 'Slow consumer');
      } else if (result === 'closed') {
        s.ended = true;
      } else if (s.kicked) {
        this.deps.kicked(conn);
        conn.close(CloseCodes.kicked, 'Kicked');
      }
    }
  }
}

/**
 * The id of a replayed record with several partitions, which are replayed one after another:
 * earlier partitions are done (up to `to`), later ones not begun (still at `from`).
 */
function replayId(s: Replaying, partition: number, offset: number): string {
  return encodePosition(s.from.map((from, p) => (p < partition ? s.req.to[p]! : p === partition ? offset + 1 : from)));
}
