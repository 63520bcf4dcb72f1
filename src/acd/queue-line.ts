/**
 * A queue's line of calls in routing order: higher priority first, then earlier enteredAt, then arrival sequence.
 * A sorted array with binary search: insert/remove are O(log n) to find plus a splice, position is O(log n).
 */
export interface LineEntry {
  readonly priority: number;
  readonly enteredAt: number;
  /** Unique per entry: makes the order total. */
  readonly seq: number;
}

export function routingOrder(a: LineEntry, b: LineEntry): number {
  return b.priority - a.priority || a.enteredAt - b.enteredAt || a.seq - b.seq;
}

export class QueueLine<T extends LineEntry> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** In routing order; do not mutate. */
  values(): readonly T[] {
    return this.items;
  }

  insert(item: T): void {
    this.items.splice(this.lowerBound(item), 0, item);
  }

  remove(item: T): boolean {
    const i = this.lowerBound(item);
    if (this.items[i] !== item) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** 1-based position in routing order, 0 when absent. */
  position(item: T): number {
    const i = this.lowerBound(item);
    return this.items[i] === item ? i + 1 : 0;
  }

  private lowerBound(item: T): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (routingOrder(this.items[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
