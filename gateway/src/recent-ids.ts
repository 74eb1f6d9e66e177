/**
 * A bounded set of the most recently added ids, each with where it was first seen: enough to drop
 * commands redelivered after a worker crash, live and when a resume replays the log.
 */
export class RecentIds {
  private readonly ids = new Map<string, string>();

  constructor(private readonly capacity: number) {}

  /** Adds the id, first seen at `where`; false when it was already there. */
  add(id: string, where = ''): boolean {
    if (this.ids.has(id)) return false;
    this.ids.set(id, where);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as string);
    return true;
  }

  /** Where the id was first seen, if it still is among the recent ones. */
  firstSeen(id: string): string | undefined {
    return this.ids.get(id);
  }
}
