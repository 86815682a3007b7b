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

export class MemtypeTree {
  private cap = 0;
  private startA = new Float64Array(0);
  private endA = new Float64Array(0);
  private maxEndA = new Float64Array(0);
  private seqA = new Float64Array(0);
  private leftA = new Int32Array(0);
  private rightA = new Int32Array(0);
  private prioA = new Uint32Array(0);
  private typeA = new Uint8Array(0);
  private maskA = new Uint8Array(0);
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
    return this.startA[id]!;
  }
  end(id: EntryId): number {
    return this.endA[id]!;
  }
  type(id: EntryId): number {
    return this.typeA[id]!;
  }

  private grow(newCap: number): void {
    const g = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(newCap + 1);
      b.set(a);
      return b;
    };
    this.startA = g(this.startA, (n) => new Float64Array(n));
    this.endA = g(this.endA, (n) => new Float64Array(n));
    this.maxEndA = g(this.maxEndA, (n) => new Float64Array(n));
    this.seqA = g(this.seqA, (n) => new Float64Array(n));
    this.leftA = g(this.leftA, (n) => new Int32Array(n));
    this.rightA = g(this.rightA, (n) => new Int32Array(n));
    this.prioA = g(this.prioA, (n) => new Uint32Array(n));
    this.typeA = g(this.typeA, (n) => new Uint8Array(n));
    this.maskA = g(this.maskA, (n) => new Uint8Array(n));
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
    const l = this.leftA[n]!;
    const r = this.rightA[n]!;
    let m = this.endA[n]!;
    let mask = 1 << this.typeA[n]!;
    if (l !== NIL) {
      if (this.maxEndA[l]! > m) m = this.maxEndA[l]!;
      mask |= this.maskA[l]!;
    }
    if (r !== NIL) {
      if (this.maxEndA[r]! > m) m = this.maxEndA[r]!;
      mask |= this.maskA[r]!;
    }
    this.maxEndA[n] = m;
    this.maskA[n] = mask;
  }

  /** (start, seq) of a strictly before (start, seq) of b. */
  private before(aStart: number, aSeq: number, b: number): boolean {
    const bs = this.startA[b]!;
    return aStart < bs || (aStart === bs && aSeq < this.seqA[b]!);
  }

  /** Split t into (< key, >= key) by (start, seq); results in splitL/splitR. */
  private splitL = NIL;
  private splitR = NIL;
  private split(t: number, kStart: number, kSeq: number): void {
    if (t === NIL) {
      this.splitL = this.splitR = NIL;
      return;
    }
    const tBeforeKey = this.startA[t]! < kStart || (this.startA[t]! === kStart && this.seqA[t]! < kSeq);
    if (tBeforeKey) {
      this.split(this.rightA[t]!, kStart, kSeq);
      this.rightA[t] = this.splitL;
      this.pull(t);
      this.splitL = t;
    } else {
      this.split(this.leftA[t]!, kStart, kSeq);
      this.leftA[t] = this.splitR;
      this.pull(t);
      this.splitR = t;
    }
  }

  private merge(a: number, b: number): number {
    if (a === NIL) return b;
    if (b === NIL) return a;
    if (this.prioA[a]! >= this.prioA[b]!) {
      this.rightA[a] = this.merge(this.rightA[a]!, b);
      this.pull(a);
      return a;
    }
    this.leftA[b] = this.merge(a, this.leftA[b]!);
    this.pull(b);
    return b;
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
    this.startA[n] = start;
    this.endA[n] = end;
    this.seqA[n] = seq;
    this.typeA[n] = type;
    this.leftA[n] = NIL;
    this.rightA[n] = NIL;
    this.prioA[n] = this.nextPrio();
    this.pull(n);
    this.root = this.insertAt(this.root, n, start, seq);
    this.count++;
    if (this.count > this.peak) this.peak = this.count;
    return n;
  }

  private insertAt(t: number, n: number, s: number, seq: number): number {
    if (t === NIL) return n;
    if (this.prioA[n]! > this.prioA[t]!) {
      this.split(t, s, seq);
      this.leftA[n] = this.splitL;
      this.rightA[n] = this.splitR;
      this.pull(n);
      return n;
    }
    if (this.before(s, seq, t)) this.leftA[t] = this.insertAt(this.leftA[t]!, n, s, seq);
    else this.rightA[t] = this.insertAt(this.rightA[t]!, n, s, seq);
    this.pull(t);
    return t;
  }

  /** `memtype_interval_remove()`: unlink one entry. */
  remove(id: EntryId): void {
    this.root = this.removeAt(this.root, id, this.startA[id]!, this.seqA[id]!);
    this.count--;
    this.freeList.push(id);
  }

  private removeAt(t: number, id: number, s: number, seq: number): number {
    if (t === NIL) throw new Error('memtype tree: entry not found');
    if (t === id) return this.merge(this.leftA[t]!, this.rightA[t]!);
    if (this.before(s, seq, t)) this.leftA[t] = this.removeAt(this.leftA[t]!, id, s, seq);
    else this.rightA[t] = this.removeAt(this.rightA[t]!, id, s, seq);
    this.pull(t);
    return t;
  }

  /**
   * Give an entry a new end by removing and re-inserting it, as the pre-v6.16
   * end-match shrink does in `memtype_erase()`: the entry then sorts behind the
   * other entries of its start, like a new insertion.
   */
  reinsertWithEnd(id: EntryId, newEnd: number): EntryId {
    const s = this.startA[id]!;
    const t = this.typeA[id]!;
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
      if (this.maxEndA[t]! <= a || (this.maskA[t]! & want) === 0) return NIL;
      const l = this.leftA[t]!;
      if (l !== NIL && this.maxEndA[l]! > a && (this.maskA[l]! & want) !== 0) {
        const r = this.firstIn(l, a, b, want);
        if (r !== NIL) return r;
      }
      const st = this.startA[t]!;
      if (st > b) return NIL;
      if (this.endA[t]! > a && ((1 << this.typeA[t]!) & want) !== 0) return t;
      t = this.rightA[t]!;
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
      if (this.maxEndA[t]! <= a) return NIL;
      const l = this.leftA[t]!;
      if (l !== NIL && this.maxEndA[l]! > a) {
        const r = this.walk(l, a, b, visit);
        if (r !== NIL) return r;
      }
      if (this.startA[t]! > b) return NIL;
      if (this.endA[t]! > a && visit(t)) return t;
      t = this.rightA[t]!;
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
      const st = this.startA[t]!;
      if (st < s) {
        t = this.rightA[t]!;
        continue;
      }
      if (st > s) {
        t = this.leftA[t]!;
        continue;
      }
      // st === s: earlier equal-start entries are on the left.
      const r = this.firstWithStart(this.leftA[t]!, s, e);
      if (r !== NIL) return r;
      if (this.endA[t]! === e) return t;
      t = this.rightA[t]!;
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
        t = this.leftA[t]!;
      }
      t = stack.pop()!;
      yield t;
      t = this.rightA[t]!;
    }
  }

  /** Entries as plain objects, in tree order. */
  toArray(): MemtypeEntry[] {
    const out: MemtypeEntry[] = [];
    for (const id of this.entries()) out.push({ start: this.startA[id]!, end: this.endA[id]!, type: this.typeA[id]! });
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
      const s = this.startA[t]!;
      const q = this.seqA[t]!;
      if (lo && !(lo[0] < s || (lo[0] === s && lo[1] < q))) return `order violated at entry ${t}`;
      if (hi && !(s < hi[0] || (s === hi[0] && q < hi[1]))) return `order violated at entry ${t}`;
      const l = this.leftA[t]!;
      const r = this.rightA[t]!;
      if (l !== NIL && this.prioA[l]! > this.prioA[t]!) return `heap violated at ${t}`;
      if (r !== NIL && this.prioA[r]! > this.prioA[t]!) return `heap violated at ${t}`;
      const e1 = rec(l, lo, [s, q]);
      if (e1) return e1;
      const e2 = rec(r, [s, q], hi);
      if (e2) return e2;
      let m = this.endA[t]!;
      let mask = 1 << this.typeA[t]!;
      if (l !== NIL) {
        m = Math.max(m, this.maxEndA[l]!);
        mask |= this.maskA[l]!;
      }
      if (r !== NIL) {
        m = Math.max(m, this.maxEndA[r]!);
        mask |= this.maskA[r]!;
      }
      if (m !== this.maxEndA[t]) return `max-end wrong at entry ${t}`;
      if (mask !== this.maskA[t]) return `type mask wrong at entry ${t}`;
      return null;
    };
    const err = rec(this.root, null, null);
    if (err) return err;
    if (seen !== this.count) return `count ${this.count} but ${seen} reachable`;
    return null;
  }
}
