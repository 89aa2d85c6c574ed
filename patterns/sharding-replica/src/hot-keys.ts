import { BoundedMap } from '@kvs-lab/shared/collections';
import { createSketch, decay, estimate, isHot, recordAccess } from './domain/hot-key-sketch.ts';
import type { HotKeySketch } from './domain/hot-key-sketch.ts';

/** The hot-key mitigations, in the order the API and HOT_KEY_MITIGATION list them. */
export const mitigations = ['off', 'spread-reads', 'router-cache'] as const;
export type Mitigation = (typeof mitigations)[number];

export interface HotKeyOptions {
  readonly topK: number;
  readonly minShare: number;
  readonly minCount: number;
  readonly cacheMs: number;
  /** How often the counts are halved, so old heat fades. */
  readonly decayMs: number;
  readonly mitigation: Mitigation;
  readonly now: () => number;
}

/**
 * The router's hot-key tracker: a count-min sketch of accesses, plus the
 * mitigation in force for keys it calls hot. `spread-reads` sends a hot
 * key's eventual reads to the master and the replica in turn; `router-cache`
 * answers them from the router's memory for `cacheMs`, invalidated by this
 * router's own writes (a write through another path could be missed for that long).
 *
 * A read fills the cache only if no write to its key started or finished while it was in flight:
 * each fill holds a ticket that `forget` revokes, so a read that raced a write never caches the value
 * the write replaced.
 */
export class HotKeys {
  private readonly sketch: HotKeySketch;
  // Bounded: only hot keys are cached, and at most topK of them.
  private readonly cache: BoundedMap<string, { value: string | null; expiresAt: number }>;
  /** The reads in flight that may fill the cache, by key: the ticket of the latest one. */
  private readonly fills = new Map<string, number>();
  private tickets = 0;
  private turn = 0;
  private lastDecayAt: number;
  mitigation: Mitigation;
  cacheHits = 0;
  spreadReads = 0;

  private readonly options: HotKeyOptions;

  constructor(options: HotKeyOptions) {
    this.options = options;
    this.cache = new BoundedMap(options.topK);
    this.sketch = createSketch({ width: 1024, depth: 4, topK: options.topK });
    this.mitigation = options.mitigation;
    this.lastDecayAt = options.now();
  }

  record(key: string): void {
    recordAccess(this.sketch, key);
  }

  isHot(key: string): boolean {
    return isHot(this.sketch, estimate(this.sketch, key), this.options);
  }

  /** Called after each monitor sample: halves the counts once `decayMs` has passed since the last time. */
  decayIfDue(): void {
    const now = this.options.now();
    if (now - this.lastDecayAt < this.options.decayMs) return;
    decay(this.sketch);
    this.lastDecayAt = now;
  }

  /** For an eventual read of a hot key under spread-reads: true when this read goes to the master. */
  nextReadOnMaster(): boolean {
    this.turn += 1;
    this.spreadReads += 1;
    return this.turn % 2 === 0;
  }

  cached(key: string): { value: string | null } | undefined {
    const entry = this.cache.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.options.now()) {
      this.cache.delete(key);
      return undefined;
    }
    this.cacheHits += 1;
    return { value: entry.value };
  }

  /** Called before the read that may fill the cache for `key`; its answer goes to `completeFill`. */
  beginFill(key: string): number {
    this.tickets += 1;
    this.fills.set(key, this.tickets);
    return this.tickets;
  }

  /**
   * The read's answer (null: the key is absent) is cached unless a write to the key revoked the ticket,
   * or a later read took it over. Called with `undefined` when the read failed: the ticket is dropped.
   */
  completeFill(key: string, ticket: number, answer: { value: string | null } | undefined): void {
    if (this.fills.get(key) !== ticket) return;
    this.fills.delete(key);
    if (answer && this.mitigation === 'router-cache') this.remember(key, answer.value);
  }

  private remember(key: string, value: string | null): void {
    this.cache.set(key, { value, expiresAt: this.options.now() + this.options.cacheMs });
  }

  /** A write to `key` starts or ends: its cached value goes, and reads in flight may not fill it back. */
  forget(key: string): void {
    this.cache.delete(key);
    this.fills.delete(key);
  }

  setMitigation(mitigation: Mitigation): void {
    this.mitigation = mitigation;
    if (mitigation !== 'router-cache') {
      this.cache.clear();
      this.fills.clear();
    }
  }

  report(): {
    top: { key: string; estimate: number; isHot: boolean }[];
    totalAccesses: number;
    mitigation: Mitigation;
    sketch: { width: number; depth: number; counters: number };
    cacheHits: number;
    spreadReads: number;
    cachedKeys: number;
  } {
    return {
      top: this.sketch.top.map((e) => ({
        key: e.key,
        estimate: e.estimate,
        isHot: isHot(this.sketch, e.estimate, this.options),
      })),
      totalAccesses: this.sketch.total,
      mitigation: this.mitigation,
      sketch: { width: this.sketch.width, depth: this.sketch.depth, counters: this.sketch.counters.length },
      cacheHits: this.cacheHits,
      spreadReads: this.spreadReads,
      cachedKeys: this.cache.size,
    };
  }
}
