/** One record as the memory bus keeps it. */
export interface StoredRecord {
  offset: number;
  key: string;
  value: Buffer | null;
  timestamp: number;
  /** What it costs to keep, roughly: what the byte cap counts. */
  bytes: number;
}

/** What a trimmed slot before `head` holds until the array is compacted. */
const FORGOTTEN: StoredRecord = { offset: -1, key: '', value: null, timestamp: 0, bytes: 0 };

/** Per-record bookkeeping the byte count adds to the key and value. */
const OVERHEAD = 64;

export const recordBytes = (key: string, value: Buffer | null): number => OVERHEAD + key.length * 2 + (value?.length ?? 0);

/**
 * One partition of one topic: records in offset order, trimmed from the front once every
 * subscriber has read them (and, on a compacted topic, thinned to the latest record per key).
 * Offsets keep counting up, as in Kafka: a trimmed record's offset is never reused.
 */
export class PartitionLog {
  private entries: StoredRecord[] = [];
  /** Index of the first live entry: trimming moves it instead of shifting the array. */
  private head = 0;
  /** Entries before this index were read by every subscriber (as of the last trim); they hold `readBytes`. */
  private readIndex = 0;
  private readBytes = 0;
  private next = 0;
  private superseded = 0;
  /** On a compacted topic, the offset of the latest record of each key. */
  private readonly latest: Map<string, number> | undefined;
  bytes = 0;

  constructor(compacted: boolean) {
    this.latest = compacted ? new Map() : undefined;
  }

  /** The offset the next record will get. */
  get end(): number {
    return this.next;
  }

  /** The oldest offset still kept. */
  get start(): number {
    return this.entries[this.head]?.offset ?? this.next;
  }

  append(key: string, value: Buffer | null, timestamp: number): StoredRecord {
    const record: StoredRecord = { offset: this.next, key, value, timestamp, bytes: recordBytes(key, value) };
    this.next += 1;
    this.entries.push(record);
    this.bytes += record.bytes;
    if (this.latest) {
      if (this.latest.has(key)) this.superseded += 1;
      this.latest.set(key, record.offset);
    }
    return record;
  }

  /** Up to `max` records from `position` on. */
  read(position: number, max: number): StoredRecord[] {
    let i = this.indexOf(position);
    const out: StoredRecord[] = [];
    for (; i < this.entries.length && out.length < max; i += 1) out.push(this.entries[i]!);
    return out;
  }

  /**
   * Forgets records before `consumed` (every subscriber is past them) that are older than
   * `keepSince`, or that pass `maxRetained` bytes of such records. On a compacted topic, the latest
   * record of each key stays (a subscriber that starts from the beginning must still find the
   * current state), tombstones excepted.
   */
  trim(consumed: number, keepSince: number, maxRetained = 0): void {
    if (!this.latest) {
      this.readIndex = Math.max(this.readIndex, this.head);
      // A subscriber that joined behind the others moves the read mark back.
      for (; this.readIndex > this.head && this.entries[this.readIndex - 1]!.offset >= consumed; this.readIndex -= 1) {
        this.readBytes -= this.entries[this.readIndex - 1]!.bytes;
      }
      for (; this.readIndex < this.entries.length && this.entries[this.readIndex]!.offset < consumed; this.readIndex += 1) {
        this.readBytes += this.entries[this.readIndex]!.bytes;
      }
      while (this.head < this.readIndex) {
        const first = this.entries[this.head]!;
        if (first.timestamp >= keepSince && this.readBytes <= maxRetained) break;
        this.readBytes -= first.bytes;
        this.drop(first);
        // Let go of it now, not at the next compaction: a kept slot would keep its value.
        this.entries[this.head] = FORGOTTEN;
        this.head += 1;
      }
      this.compactArray();
      return;
    }
    // Thinning a compacted log walks it: do it only once enough of it is dead weight.
    if (this.superseded < 1000 && this.superseded * 2 < this.entries.length - this.head) return;
    const kept: StoredRecord[] = [];
    for (let i = this.head; i < this.entries.length; i += 1) {
      const r = this.entries[i]!;
      const stale = r.offset < consumed && r.timestamp < keepSince && (this.latest.get(r.key) !== r.offset || r.value === null);
      if (!stale) {
        kept.push(r);
        continue;
      }
      this.drop(r);
      if (this.latest.get(r.key) === r.offset) this.latest.delete(r.key);
      else this.superseded -= 1;
    }
    this.entries = kept;
    this.head = 0;
  }

  private drop(r: StoredRecord): void {
    this.bytes -= r.bytes;
  }

  private compactArray(): void {
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.readIndex -= this.head;
      this.head = 0;
    }
  }

  /** The index of the first entry at or after `position` (binary search: compaction leaves gaps). */
  private indexOf(position: number): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.offset < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
