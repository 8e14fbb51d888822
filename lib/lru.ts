// One bounded least-recently-used map for every cache in the product (rendered packages, RIC
// connection pools). Bounded by entries and, when a size function is given, by total size, so a
// few huge values cannot hold unbounded memory. Pure data structure: no clock, no I/O.

export interface LruOptions<V> {
  maxEntries: number;
  /** Total size bound, with `sizeOf`; a value larger than this is not kept at all. */
  maxSize?: number;
  sizeOf?: (value: V) => number;
  /** Called for every value that leaves the map by eviction (not by delete or clear). */
  onEvict?: (key: string, value: V) => void;
}

export class Lru<V> {
  private readonly map = new Map<string, { value: V; size: number }>();
  private readonly maxEntries: number;
  private readonly maxSize: number;
  private readonly sizeOf: (value: V) => number;
  private readonly onEvict: ((key: string, value: V) => void) | undefined;
  private total = 0;

  constructor(opts: LruOptions<V>) {
    this.maxEntries = Math.max(1, opts.maxEntries);
    this.maxSize = opts.maxSize ?? Infinity;
    this.sizeOf = opts.sizeOf ?? (() => 0);
    this.onEvict = opts.onEvict;
  }

  /** The value, marked most recently used. */
  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) return undefined;
    // Map iteration order is insertion order: re-inserting makes it the most recent.
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V): void {
    this.delete(key);
    const size = this.sizeOf(value);
    if (size > this.maxSize) return;
    this.map.set(key, { value, size });
    this.total += size;
    while (this.map.size > this.maxEntries || this.total > this.maxSize) {
      const [oldest, entry] = this.map.entries().next().value as [string, { value: V; size: number }];
      this.map.delete(oldest);
      this.total -= entry.size;
      this.onEvict?.(oldest, entry.value);
    }
  }

  delete(key: string): boolean {
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    this.map.delete(key);
    this.total -= entry.size;
    return true;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }

  values(): V[] {
    return [...this.map.values()].map((e) => e.value);
  }

  /** [key, value] pairs, least recently used first (a copy: deleting while iterating is safe). */
  entries(): Array<[string, V]> {
    return [...this.map.entries()].map(([k, e]) => [k, e.value]);
  }

  get size(): number {
    return this.map.size;
  }

  /** Sum of the sizes of the values kept. */
  get totalSize(): number {
    return this.total;
  }
}
