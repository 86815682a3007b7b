/**
 * The memtype interval tree (arch/x86/mm/pat/memtype_interval.c; spec 02 §9,
 * FORMAT §3.5).
 *
 * The kernel keeps non-RAM reservations in an augmented rbtree keyed by start,
 * where an entry with a start equal to an existing one is linked to the right,
 * so equal starts iterate oldest first. Every observable order (overlap walks,
 * lookup, debugfs) is "ascending start, then insertion". This model keeps the
 * same order with a treap laid out in typed arrays (no object per entry), keyed
 * by (start, insertion sequence).
 *
 * Two augmentations per node:
 * - `maxEnd`: the largest exclusive end in the subtree (the kernel's
 *   `subtree_max_end`, plus one), to prune subtrees that end before a query;
 * - `mask`: the set of cache modes present in the subtree (bit per mode), so a
 *   conflict check ("is any overlapping entry of a type other than X?") skips
 *   subtrees holding only X. The kernel walks every overlapping entry, which is
 *   quadratic when many identical reservations pile up; the answer is the same.
 *
 * Addresses are JS numbers: every tracked address is sanitized to 52 bits
 * (spec 02 §17), so ends are at most 2^52 and exact as doubles.
 */

const NIL = 0;

/** Opaque handle of a tree entry (index into the node arrays; never 0). */
export type EntryId = number;

/** A plain view of one entry, for dumps and tests. */
export interface MemtypeEntry {
  start: number;
  end: number;
  type: number;
}

/*
 * Node layout: one Float64Array, 8 slots (64 bytes, one cache line) per node,
 * so a walk touches one line per node as the kernel's rbtree does. Integer
 * fields (links, priority, type and mask) are stored as doubles.
 */
const STRIDE = 8;
const F_START = 0;
const F_END = 1;
const F_MAXEND = 2;
const F_SEQ = 3;
const F_LEFT = 4;
const F_RIGHT = 5;
const F_PRIO = 6;
/** type in bits 0-3, mask of the subtree's types in bits 4-11. */
const F_TM = 7;

export class MemtypeTree {
  private cap = 0;
  private a = new Float64Array(0);
  private root = NIL;
  private count = 0;
  private nextSeq = 0;
  private freeList: number[] = [];
  private nextFresh = 1;
  /** xorshift32 state: treap priorities are deterministic (the shape never shows in output). */
  private rng = 0x9e3779b9;
  /** Largest number of entries ever held at once. */
  private peak = 0;

  constructor(initialCapacity = 64) {
    this.grow(Math.max(2, initialCapacity));
  }

  /** Number of entries. */
  get size(): number {
    return this.count;
  }

  /** Largest number of entries held at once since creation. */
  get peakSize(): number {
    return this.peak;
  }

  start(id: EntryId): number {
    return this.a[id * STRIDE + F_START]!;
  }
  end(id: EntryId): number {
    return this.a[id * STRIDE + F_END]!;
  }
  type(id: EntryId): number {
    return this.a[id * STRIDE + F_TM]! & 15;
  }

  private L(n: number): number {
    return this.a[n * STRIDE + F_LEFT]!;
  }
  private R(n: number): number {
    return this.a[n * STRIDE + F_RIGHT]!;
  }
  private maxEnd(n: number): number {
    return this.a[n * STRIDE + F_MAXEND]!;
  }
  private mask(n: number): number {
    return this.a[n * STRIDE + F_TM]! >> 4;
  }

  private grow(newCap: number): void {
    const b = new Float64Array((newCap + 1) * STRIDE);
    b.set(this.a);
    this.a = b;
    this.cap = newCap;
  }

  private nextPrio(): number {
    let x = this.rng;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.rng = x;
    return x;
  }

  private pull(n: number): void {
    const a = this.a;
    const o = n * STRIDE;
    const l = a[o + F_LEFT]!;
    const r = a[o + F_RIGHT]!;
    let m = a[o + F_END]!;
    const tm = a[o + F_TM]!;
    let mask = 1 << (tm & 15);
    if (l !== NIL) {
      const lo = l * STRIDE;
      if (a[lo + F_MAXEND]! > m) m = a[lo + F_MAXEND]!;
      mask |= a[lo + F_TM]! >> 4;
    }
    if (r !== NIL) {
      const ro = r * STRIDE;
      if (a[ro + F_MAXEND]! > m) m = a[ro + F_MAXEND]!;
      mask |= a[ro + F_TM]! >> 4;
    }
    a[o + F_MAXEND] = m;
    a[o + F_TM] = (tm & 15) | (mask << 4);
  }

  /** (aStart, aSeq) strictly before node b in tree order. */
  private before(aStart: number, aSeq: number, b: number): boolean {
    const bs = this.a[b * STRIDE + F_START]!;
    return aStart < bs || (aStart === bs && aSeq < this.a[b * STRIDE + F_SEQ]!);
  }

  /** Split t into (< key, >= key) by (start, seq); results in splitL/splitR. */
  private splitL = NIL;
  private splitR = NIL;
  private split(t: number, kStart: number, kSeq: number): void {
    if (t === NIL) {
      this.splitL = this.splitR = NIL;
      return;
    }
    const a = this.a;
    const o = t * STRIDE;
    if (!this.before(kStart, kSeq, t)) {
      this.split(a[o + F_RIGHT]!, kStart, kSeq);
      this.a[o + F_RIGHT] = this.splitL;
      this.pull(t);
      this.splitL = t;
    } else {
      this.split(a[o + F_LEFT]!, kStart, kSeq);
      this.a[o + F_LEFT] = this.splitR;
      this.pull(t);
      this.splitR = t;
    }
  }

  private merge(x: number, y: number): number {
    if (x === NIL) return y;
    if (y === NIL) return x;
    const a = this.a;
    if (a[x * STRIDE + F_PRIO]! >= a[y * STRIDE + F_PRIO]!) {
      a[x * STRIDE + F_RIGHT] = this.merge(a[x * STRIDE + F_RIGHT]!, y);
      this.pull(x);
      return x;
    }
    a[y * STRIDE + F_LEFT] = this.merge(x, a[y * STRIDE + F_LEFT]!);
    this.pull(y);
    return y;
  }

  /**
   * `memtype_interval_insert()`: link a new entry after every entry with the
   * same start (the rbtree links equal keys to the right).
   */
  insert(start: number, end: number, type: number): EntryId {
    let n = this.freeList.pop();
    if (n === undefined) {
      if (this.nextFresh > this.cap) this.grow(this.cap * 2);
      n = this.nextFresh++;
    }
    const seq = this.nextSeq++;
    this.a[n * STRIDE + F_START] = start;
    this.a[n * STRIDE + F_END] = end;
    this.a[n * STRIDE + F_SEQ] = seq;
    this.a[n * STRIDE + F_TM] = type;
    this.a[n * STRIDE + F_LEFT] = NIL;
    this.a[n * STRIDE + F_RIGHT] = NIL;
    this.a[n * STRIDE + F_PRIO] = this.nextPrio();
    this.pull(n);
    this.root = this.insertAt(this.root, n, start, seq);
    this.count++;
    if (this.count > this.peak) this.peak = this.count;
    return n;
  }

  private insertAt(t: number, n: number, s: number, seq: number): number {
    if (t === NIL) return n;
    if (this.a[n * STRIDE + F_PRIO]! > this.a[t * STRIDE + F_PRIO]!) {
      this.split(t, s, seq);
      this.a[n * STRIDE + F_LEFT] = this.splitL;
      this.a[n * STRIDE + F_RIGHT] = this.splitR;
      this.pull(n);
      return n;
    }
    if (this.before(s, seq, t)) this.a[t * STRIDE + F_LEFT] = this.insertAt(this.L(t), n, s, seq);
    else this.a[t * STRIDE + F_RIGHT] = this.insertAt(this.R(t), n, s, seq);
    this.pull(t);
    return t;
  }

  /** `memtype_interval_remove()`: unlink one entry. */
  remove(id: EntryId): void {
    this.root = this.removeAt(this.root, id, this.start(id), this.a[id * STRIDE + F_SEQ]!);
    this.count--;
    this.freeList.push(id);
  }

  private removeAt(t: number, id: number, s: number, seq: number): number {
    if (t === NIL) throw new Error('memtype tree: entry not found');
    if (t === id) return this.merge(this.L(t), this.R(t));
    if (this.before(s, seq, t)) this.a[t * STRIDE + F_LEFT] = this.removeAt(this.L(t), id, s, seq);
    else this.a[t * STRIDE + F_RIGHT] = this.removeAt(this.R(t), id, s, seq);
    this.pull(t);
    return t;
  }

  /**
   * Give an entry a new end by removing and re-inserting it, as the pre-v6.16
   * end-match shrink does in `memtype_erase()`: the entry then sorts behind the
   * other entries of its start, like a new insertion.
   */
  reinsertWithEnd(id: EntryId, newEnd: number): EntryId {
    const s = this.start(id);
    const t = this.type(id);
    this.remove(id);
    return this.insert(s, newEnd, t);
  }

  /**
   * The first entry in tree order overlapping [a, b] (b inclusive): the
   * kernel's `interval_iter_first(root, a, b)`. With `excludeType` >= 0, the
   * first such entry whose type differs from it (subtrees holding only that
   * type are skipped, which cannot change the answer).
   */
  firstOverlap(a: number, b: number, excludeType = -1): EntryId {
    const want = excludeType < 0 ? 0xff : 0xff & ~(1 << excludeType);
    return this.firstIn(this.root, a, b, want);
  }

  private firstIn(t: number, a: number, b: number, want: number): number {
    while (t !== NIL) {
      if (this.maxEnd(t) <= a || (this.mask(t) & want) === 0) return NIL;
      const l = this.L(t);
      if (l !== NIL && this.maxEnd(l) > a && (this.mask(l) & want) !== 0) {
        const r = this.firstIn(l, a, b, want);
        if (r !== NIL) return r;
      }
      const st = this.start(t);
      if (st > b) return NIL;
      if (this.end(t) > a && ((1 << this.type(t)) & want) !== 0) return t;
      t = this.R(t);
    }
    return NIL;
  }

  /**
   * Visit the entries overlapping [a, b] in tree order (the kernel's
   * `interval_iter_first`/`interval_iter_next` walk) until `visit` returns true;
   * returns the entry it stopped at, or 0.
   */
  findOverlap(a: number, b: number, visit: (id: EntryId) => boolean): EntryId {
    return this.walk(this.root, a, b, visit);
  }

  private walk(t: number, a: number, b: number, visit: (id: EntryId) => boolean): number {
    while (t !== NIL) {
      if (this.maxEnd(t) <= a) return NIL;
      const l = this.L(t);
      if (l !== NIL && this.maxEnd(l) > a) {
        const r = this.walk(l, a, b, visit);
        if (r !== NIL) return r;
      }
      if (this.start(t) > b) return NIL;
      if (this.end(t) > a && visit(t)) return t;
      t = this.R(t);
    }
    return NIL;
  }

  /**
   * The first entry in tree order with exactly [start, end): the v6.16+
   * `memtype_erase()` match. Entries of one start are contiguous in tree order
   * and all overlap [start, end-1] when start < end, so only that run is read.
   */
  findExact(start: number, end: number): EntryId {
    if (!(start < end)) return NIL;
    return this.firstWithStart(this.root, start, end);
  }

  private firstWithStart(t: number, s: number, e: number): number {
    while (t !== NIL) {
      const st = this.start(t);
      if (st < s) {
        t = this.R(t);
        continue;
      }
      if (st > s) {
        t = this.L(t);
        continue;
      }
      // st === s: earlier equal-start entries are on the left.
      const r = this.firstWithStart(this.L(t), s, e);
      if (r !== NIL) return r;
      if (this.end(t) === e) return t;
      t = this.R(t);
    }
    return NIL;
  }

  /** All entries in tree order. */
  *entries(): IterableIterator<EntryId> {
    const stack: number[] = [];
    let t = this.root;
    while (t !== NIL || stack.length > 0) {
      while (t !== NIL) {
        stack.push(t);
        t = this.L(t);
      }
      t = stack.pop()!;
      yield t;
      t = this.R(t);
    }
  }

  /** Entries as plain objects, in tree order. */
  toArray(): MemtypeEntry[] {
    const out: MemtypeEntry[] = [];
    for (const id of this.entries()) out.push({ start: this.start(id), end: this.end(id), type: this.type(id) });
    return out;
  }

  /**
   * Check the structural invariants (BST order by (start, seq), heap order of
   * priorities, the max-end and type-mask augmentations, the count). Returns a
   * description of the first violation, or null. For tests.
   */
  checkInvariants(): string | null {
    let seen = 0;
    const rec = (t: number, lo: [number, number] | null, hi: [number, number] | null): string | null => {
      if (t === NIL) return null;
      seen++;
      const s = this.start(t);
      const q = this.a[t * STRIDE + F_SEQ]!;
      if (lo && !(lo[0] < s || (lo[0] === s && lo[1] < q))) return `order violated at entry ${t}`;
      if (hi && !(s < hi[0] || (s === hi[0] && q < hi[1]))) return `order violated at entry ${t}`;
      const l = this.L(t);
      const r = this.R(t);
      if (l !== NIL && this.a[l * STRIDE + F_PRIO]! > this.a[t * STRIDE + F_PRIO]!) return `heap violated at ${t}`;
      if (r !== NIL && this.a[r * STRIDE + F_PRIO]! > this.a[t * STRIDE + F_PRIO]!) return `heap violated at ${t}`;
      const e1 = rec(l, lo, [s, q]);
      if (e1) return e1;
      const e2 = rec(r, [s, q], hi);
      if (e2) return e2;
      let m = this.end(t);
      let mask = 1 << this.type(t);
      if (l !== NIL) {
        m = Math.max(m, this.maxEnd(l));
        mask |= this.mask(l);
      }
      if (r !== NIL) {
        m = Math.max(m, this.maxEnd(r));
        mask |= this.mask(r);
      }
      if (m !== this.maxEnd(t)) return `max-end wrong at entry ${t}`;
      if (mask !== this.mask(t)) return `type mask wrong at entry ${t}`;
      return null;
    };
    const err = rec(this.root, null, null);
    if (err) return err;
    if (seen !== this.count) return `count ${this.count} but ${seen} reachable`;
    return null;
  }
}
