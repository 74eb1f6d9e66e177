/**
 * Where this gateway stands in ws-out: per partition, the offset of the next record it will
 * process. A frame's `id` is this position just after the frame's record, so it tells exactly
 * which records of every partition the client has had its frames of: with one partition (the
 * default) it is simply the record's offset + 1; with more, one number per partition, `o0.o1…`.
 */
export class StreamPosition {
  private readonly next: number[];

  /** `start`: the offsets the gateway's subscription starts at, per partition. */
  constructor(start: Map<number, string>) {
    this.next = Array.from({ length: start.size }, (_, p) => Number(start.get(p) ?? 0));
  }

  get partitions(): number {
    return this.next.length;
  }

  /** The id of the record at `offset` of `partition`: the position just after it. */
  after(partition: number, offset: number): string {
    if (this.next.length === 1) return String(offset + 1);
    let id = '';
    for (let p = 0; p < this.next.length; p += 1) id += `${p === 0 ? '' : '.'}${p === partition ? offset + 1 : this.next[p]}`;
    return id;
  }

  /** The records of `partition` before `next` are processed. */
  advance(partition: number, next: number): void {
    if (next > this.next[partition]!) this.next[partition] = next;
  }

  /** Whether every record before `position` is processed. */
  covers(position: readonly number[]): boolean {
    return position.every((offset, p) => this.next[p]! >= offset);
  }

  snapshot(): number[] {
    return [...this.next];
  }

  toString(): string {
    return encodePosition(this.next);
  }
}

export const encodePosition = (position: readonly number[]): string => position.join('.');

/** A frame id (or any position) of a stream of `partitions` partitions, or undefined when it is not one. */
export function parsePosition(text: string, partitions: number): number[] | undefined {
  if (text.length > 20 * partitions || !/^\d+(\.\d+)*$/.test(text)) return undefined;
  const position = text.split('.').map(Number);
  return position.length === partitions && position.every(Number.isSafeInteger) ? position : undefined;
}
