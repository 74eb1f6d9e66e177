import type { TestClient } from './test-client.js';

/** One frame of the load: sender `sender` (an index), its `seq`-th frame, carrying `ref`. */
export interface SentFrame {
  sender: number;
  seq: number;
  ref: string;
  message: string;
  sentAt: number;
}

/** What became of one sent frame. */
export interface FrameOutcome {
  frame: SentFrame;
  /** ms from sending to each `bus-unavailable` error echoing its ref. */
  refusals: number[];
  /** Per receiver, in the order given, how many times it was delivered. */
  deliveries: number[];
  /** ms from sending until the last receiver had it; undefined unless every receiver did. */
  deliveredAfterMs: number | undefined;
}

/**
 * Broadcasts from several senders at a steady total rate, round robin; each frame carries a
 * `ref` and its sender's sequence number in its message (`<run>:<sender>:<seq>`), so what every
 * receiver got can be accounted for frame by frame.
 */
export class TaggedLoad {
  readonly sent: SentFrame[] = [];
  /** Per sender, its frames by seq. */
  private readonly bySender: SentFrame[][];
  private timer: NodeJS.Timeout | undefined;
  private turn = 0;

  constructor(
    readonly senders: TestClient[],
    readonly run: string,
  ) {
    this.bySender = senders.map(() => []);
  }

  /** Sends one frame from sender `i` now. */
  send(i: number): SentFrame {
    const seq = this.bySender[i]!.length;
    const frame = { sender: i, seq, ref: `${this.run}-${i}-${seq}`, message: `${this.run}:${i}:${seq}`, sentAt: Date.now() };
    this.senders[i]!.send({ type: 'broadcast', message: frame.message, ref: frame.ref });
    this.sent.push(frame);
    this.bySender[i]!.push(frame);
    return frame;
  }

  /** When sender `sender` sent its frame `seq`. */
  sentAt(sender: number, seq: number): number {
    return this.bySender[sender]![seq]!.sentAt;
  }

  /** When `receiver` first got a frame from each sender that was sent at `since` or later; undefined where none yet. */
  firstSince(receiver: TestClient, since: number): (number | undefined)[] {
    const first: (number | undefined)[] = this.senders.map(() => undefined);
    for (const { sender, seq, at } of this.received(receiver)) {
      if (first[sender] === undefined && this.sentAt(sender, seq) >= since) first[sender] = at;
    }
    return first;
  }

  start(framesPerSecond: number): void {
    this.timer = setInterval(() => {
      this.send(this.turn % this.senders.length);
      this.turn += 1;
    }, 1000 / framesPerSecond);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The load's frames `receiver` got, in arrival order: sender, seq and arrival time. */
  received(receiver: TestClient): { sender: number; seq: number; at: number }[] {
    const prefix = `${this.run}:`;
    const got: { sender: number; seq: number; at: number }[] = [];
    receiver.frames.forEach((f, i) => {
      if (f.type !== 'kafka' || typeof f.message !== 'string' || !f.message.startsWith(prefix)) return;
      const [, sender, seq] = f.message.split(':');
      got.push({ sender: Number(sender), seq: Number(seq), at: receiver.arrivals[i]! });
    });
    return got;
  }

  /** Per sender, how often `receiver` got one of its frames after a later one (0 when in order). */
  inversions(receiver: TestClient): number[] {
    const last = this.senders.map(() => -1);
    const count = this.senders.map(() => 0);
    for (const { sender, seq } of this.received(receiver)) {
      if (seq < last[sender]!) count[sender]! += 1;
      last[sender] = Math.max(last[sender]!, seq);
    }
    return count;
  }

  outcomes(receivers: TestClient[]): FrameOutcome[] {
    const byMessage = receivers.map((r) => {
      const arrivals = new Map<string, number[]>();
      for (const { sender, seq, at } of this.received(r)) {
        const key = `${sender}:${seq}`;
        arrivals.set(key, [...(arrivals.get(key) ?? []), at]);
      }
      return arrivals;
    });
    const refusals = new Map<string, number[]>();
    this.senders.forEach((s) =>
      s.frames.forEach((f, i) => {
        if (f.type === 'error' && f.code === 'bus-unavailable' && typeof f.ref === 'string') {
          refusals.set(f.ref, [...(refusals.get(f.ref) ?? []), s.arrivals[i]!]);
        }
      }),
    );
    return this.sent.map((frame) => {
      const arrivals = byMessage.map((m) => m.get(`${frame.sender}:${frame.seq}`) ?? []);
      const everywhere = arrivals.every((a) => a.length > 0);
      return {
        frame,
        refusals: (refusals.get(frame.ref) ?? []).map((at) => at - frame.sentAt),
        deliveries: arrivals.map((a) => a.length),
        deliveredAfterMs: everywhere ? Math.max(...arrivals.map((a) => a[0]!)) - frame.sentAt : undefined,
      };
    });
  }
}
