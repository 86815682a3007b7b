/**
 * The memtype interval tree (arch/x86/mm/pat/memtype_interval.c; spec 02 §9,
 * FORMAT §3.5).
 *
 * The kernel keeps non-RAM reservations in an augmented rbtree keyed by start,
 * where an entry with a start equal to an existing one is linked to the right,
 * so equal starts iterate oldest first. Every observable order (overlap walks,
 * lookup, debugfs) is "ascending start, then insertion". This model keeps the
 * same order, and gives the same answers, with a different layout: a B+tree in
 * typed arrays (no object per entry). Output bytes do not depend on the layout;
 * the rbtree's one node per entry, scattered in memory, costs a cache miss per
 * level (about 40 levels at a million entries), while a B+tree of wide,
 * contiguous nodes costs a few misses per operation.
 *
 * - Leaves hold up to `leafCapacity` entries in tree order, in one pool
 *   indexed `leaf * leafCapacity + slot`: (start, exclusive end) pairs side by
 *   side in a Float64Array, types in a byte array; leaves are chained left to
 *   right. Leaves are short and read sequentially (cheap next to the miss that
 *   reaches them). An entry inserted with a start
 *   equal to existing ones goes after all of them (upper bound), which is the
 *   rbtree's "link equal keys to the right", hence insertion order.
 * - Internal nodes hold up to `fanout` children, each with a summary: the
 *   child's first start, its largest end (the kernel's `subtree_max_end`, plus
 *   one) and the set of cache modes it holds (bit per mode). The max end prunes
 *   subtrees ending before a query, as the kernel does; the type mask lets a
 *   conflict check ("is any overlapping entry of a type other than X?") skip
 *   subtrees holding only X. The kernel walks every overlapping entry, which is
 *   quadratic when many identical reservations pile up; the answer is the same.
 *   Each node also keeps the prefix max of its children's max ends, so a query
 *   skips the children that end before it without reading their other fields.
 * - Full nodes are split on the way down an insertion; emptied nodes are
 *   dropped (no merging of underfull ones), and a root with one child is
 *   replaced by it, so the height stays logarithmic in the peak size.
 * - Every node has a parent link, so a removal starts at the entry's leaf.
 *
 * An {@link EntryId} is the entry's pool index (leaf and slot): it is valid
 * until the next `insert`, `remove` or `reinsertWithEnd`, which may move
 * entries. Every caller uses a handle only before mutating the tree.
 *
 * Addresses are JS numbers: every tracked address is sanitized to 52 bits
 * (spec 02 §17), so ends are at most 2^52 and exact as doubles.
 */

import { CLONE, type ClonesItself } from '../clones-itself.js';

const NIL = 0;

/**
 * Handle of a tree entry (never 0), valid until the next mutation of the tree
 * (insertion or removal may move entries within and between leaves).
 */
export type EntryId = number;

/** A plain view of one entry, for dumps and tests. */
export interface MemtypeEntry {
  start: number;
  end: number;
  type: number;
}

/** Node sizes; small values are for tests that want deep trees. */
export interface MemtypeTreeOptions {
  /** Entries per leaf: a power of two, at least 2 (default 64). */
  leafCapacity?: number;
  /** Children per internal node, at least 3 (default 64). */
  fanout?: number;
}

/** Type masks are 8 bits wide: a bit per cache mode. */
const ALL_TYPES = 0xff;

export class MemtypeTree implements ClonesItself {
  // (Fields marked `!` are assigned by the constructor's either branch: a fresh tree's, or a copy's loop over its original's fields.)
  private readonly lcap!: number;
  private readonly lshift!: number;
  private readonly fan!: number;

  /* Leaf pool. Leaf 0 is unused, so no handle is 0. */
  /** Start and exclusive end of entry `id` at `2 * id` and `2 * id + 1` (one cache line holds both). */
  private se!: Float64Array;
  private ty!: Uint8Array;
  private lcnt!: Int32Array;
  private lpar!: Int32Array;
  private lnext!: Int32Array;
  private lprev!: Int32Array;
  private leafCap = 0;
  private leafFresh = 1;
  private leafFree: number[] = [];

  /* Internal-node pool, children at `node * fanout + i`. Node 0 is unused (parent 0 = none). */
  private ccnt!: Int32Array;
  private npar!: Int32Array;
  private kid!: Int32Array;
  private kFirst!: Float64Array;
  private kMax!: Float64Array;
  /** Prefix max of `kMax` within the node (non-decreasing). */
  private kPm!: Float64Array;
  private kMask!: Int32Array;
  private nodeCap = 0;
  private nodeFresh = 1;
  private nodeFree: number[] = [];

  /** The root: a leaf when `height` is 0, else an internal node with at least two children. */
  private root!: number;
  private height = 0;
  /** Leftmost leaf. */
  private head!: number;
  private count = 0;
  /** Largest number of entries ever held at once. */
  private peak = 0;

  /** The pools are shared with a copy or its original (kernel/clone.ts): copied before the next mutation. */
  private shared = false;

  /* Summary computed by summarize(). */
  private sFirst = 0;
  private sMax = 0;
  private sMask = 0;

  /** `from`: a copy of that tree, sharing its pools ([CLONE]). */
  constructor(options: MemtypeTreeOptions = {}, from?: MemtypeTree) {
    if (from) {
      // Every field exists already (declared fields are defined before this runs), so the copy keeps a fresh tree's shape.
      for (const key of Object.keys(from)) (this as unknown as Record<string, unknown>)[key] = (from as unknown as Record<string, unknown>)[key];
      this.leafFree = from.leafFree.slice();
      this.nodeFree = from.nodeFree.slice();
      return;
    }
    const lcap = options.leafCapacity ?? 64;
    const fan = options.fanout ?? 64;
    if (!(lcap >= 2 && (lcap & (lcap - 1)) === 0)) throw new Error('memtype tree: leafCapacity must be a power of two >= 2');
    if (!(fan >= 3)) throw new Error('memtype tree: fanout must be >= 3');
    this.lcap = lcap;
    this.lshift = Math.log2(lcap);
    this.fan = fan;
    this.se = new Float64Array(0);
    this.ty = new Uint8Array(0);
    this.lcnt = new Int32Array(0);
    this.lpar = new Int32Array(0);
    this.lnext = new Int32Array(0);
    this.lprev = new Int32Array(0);
    this.ccnt = new Int32Array(0);
    this.npar = new Int32Array(0);
    this.kid = new Int32Array(0);
    this.kFirst = new Float64Array(0);
    this.kMax = new Float64Array(0);
    this.kPm = new Float64Array(0);
    this.kMask = new Int32Array(0);
    this.growLeaves(4);
    this.growNodes(2);
    this.root = this.head = this.allocLeaf();
  }

  /** A copy sharing this tree's pools until either is mutated: most calls change no reservation. */
  [CLONE](): MemtypeTree {
    // Marked first, so the copy's field loop gives it the mark too: both copy the pools before they next mutate.
    this.shared = true;
    return new MemtypeTree({}, this);
  }

  /** Pools of its own before a mutation. */
  private writable(): void {
    if (!this.shared) return;
    this.se = this.se.slice();
    this.ty = this.ty.slice();
    this.lcnt = this.lcnt.slice();
    this.lpar = this.lpar.slice();
    this.lnext = this.lnext.slice();
    this.lprev = this.lprev.slice();
    this.ccnt = this.ccnt.slice();
    this.npar = this.npar.slice();
    this.kid = this.kid.slice();
    this.kFirst = this.kFirst.slice();
    this.kMax = this.kMax.slice();
    this.kPm = this.kPm.slice();
    this.kMask = this.kMask.slice();
    this.shared = false;
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
    return this.se[2 * id]!;
  }
  end(id: EntryId): number {
    return this.se[2 * id + 1]!;
  }
  type(id: EntryId): number {
    return this.ty[id]!;
  }

  /* ---- pools ---- */

  private growLeaves(cap: number): void {
    const n = cap * this.lcap;
    const se = new Float64Array(2 * n);
    se.set(this.se);
    this.se = se;
    const ty = new Uint8Array(n);
    ty.set(this.ty);
    this.ty = ty;
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap);
      b.set(a);
      return b;
    };
    this.lcnt = grow(this.lcnt);
    this.lpar = grow(this.lpar);
    this.lnext = grow(this.lnext);
    this.lprev = grow(this.lprev);
    this.leafCap = cap;
  }

  private growNodes(cap: number): void {
    const n = cap * this.fan;
    const grow = (a: Int32Array, len: number): Int32Array => {
      const b = new Int32Array(len);
      b.set(a);
      return b;
    };
    const growF = (a: Float64Array): Float64Array => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.ccnt = grow(this.ccnt, cap);
    this.npar = grow(this.npar, cap);
    this.kid = grow(this.kid, n);
    this.kMask = grow(this.kMask, n);
    this.kFirst = growF(this.kFirst);
    this.kMax = growF(this.kMax);
    this.kPm = growF(this.kPm);
    this.nodeCap = cap;
  }

  private allocLeaf(): number {
    let l = this.leafFree.pop();
    if (l === undefined) {
      if (this.leafFresh >= this.leafCap) this.growLeaves(this.leafCap * 2);
      l = this.leafFresh++;
    }
    this.lcnt[l] = 0;
    this.lpar[l] = NIL;
    this.lnext[l] = NIL;
    this.lprev[l] = NIL;
    return l;
  }

  private allocNode(): number {
    let n = this.nodeFree.pop();
    if (n === undefined) {
      if (this.nodeFresh >= this.nodeCap) this.growNodes(this.nodeCap * 2);
      n = this.nodeFresh++;
    }
    this.ccnt[n] = 0;
    this.npar[n] = NIL;
    return n;
  }

  /* ---- summaries ---- */

  /** Summary (first start, max end, type mask) of node `n` at height `h` into sFirst/sMax/sMask. */
  private summarize(n: number, h: number): void {
    let max = -Infinity;
    let mask = 0;
    if (h === 0) {
      const base = n << this.lshift;
      const lim = base + this.lcnt[n]!;
      const se = this.se;
      const ty = this.ty;
      for (let i = base; i < lim; i++) {
        const e = se[2 * i + 1]!;
        if (e > max) max = e;
        mask |= 1 << ty[i]!;
      }
      this.sFirst = se[2 * base]!;
    } else {
      const base = n * this.fan;
      const lim = base + this.ccnt[n]!;
      const kk = this.kMask;
      for (let i = base; i < lim; i++) mask |= kk[i]!;
      max = this.kPm[lim - 1]!;
      this.sFirst = this.kFirst[base]!;
    }
    this.sMax = max;
    this.sMask = mask;
  }

  /** Recompute the node prefix max from pool index `from` to the node's end. */
  private nodePm(n: number, from: number): void {
    const base = n * this.fan;
    const lim = base + this.ccnt[n]!;
    const km = this.kMax;
    const pm = this.kPm;
    let m = from > base ? pm[from - 1]! : -Infinity;
    for (let i = from; i < lim; i++) {
      const e = km[i]!;
      if (e > m) m = e;
      pm[i] = m;
    }
  }

  private parentOf(n: number, h: number): number {
    return h === 0 ? this.lpar[n]! : this.npar[n]!;
  }

  private setParent(n: number, h: number, p: number): void {
    if (h === 0) this.lpar[n] = p;
    else this.npar[n] = p;
  }

  /** Index of child `c` in internal node `p`. */
  private indexIn(p: number, c: number): number {
    const kid = this.kid;
    const base = p * this.fan;
    const lim = base + this.ccnt[p]!;
    for (let i = base; i < lim; i++) if (kid[i] === c) return i;
    throw new Error('memtype tree: broken parent link');
  }

  /** Node `n` at height `h` changed: refresh the summaries above it, up to the first unchanged one. */
  private refresh(n: number, h: number): void {
    let c = n;
    let ch = h;
    for (;;) {
      const p = this.parentOf(c, ch);
      if (p === NIL) return;
      this.summarize(c, ch);
      const i = this.indexIn(p, c);
      if (this.kFirst[i] === this.sFirst && this.kMax[i] === this.sMax && this.kMask[i] === this.sMask) return;
      this.kFirst[i] = this.sFirst;
      if (this.kMax[i] !== this.sMax) {
        this.kMax[i] = this.sMax;
        this.nodePm(p, i);
      }
      this.kMask[i] = this.sMask;
      c = p;
      ch++;
    }
  }

  /* ---- insertion ---- */

  private isFull(n: number, h: number): boolean {
    return h === 0 ? this.lcnt[n] === this.lcap : this.ccnt[n] === this.fan;
  }

  /**
   * Split the full child at index `i` of internal node `p` (child height `hc`)
   * into two halves; the new right half becomes child `i + 1`.
   */
  private splitChild(p: number, i: number, hc: number): void {
    const pb = p * this.fan;
    const c = this.kid[pb + i]!;
    let right: number;
    if (hc === 0) {
      right = this.allocLeaf();
      const n = this.lcnt[c]!;
      const half = n >> 1;
      const src = (c << this.lshift) + half;
      const dst = right << this.lshift;
      const moved = n - half;
      this.se.copyWithin(2 * dst, 2 * src, 2 * (src + moved));
      this.ty.copyWithin(dst, src, src + moved);
      this.lcnt[c] = half;
      this.lcnt[right] = moved;
      const nx = this.lnext[c]!;
      this.lnext[right] = nx;
      this.lprev[right] = c;
      this.lnext[c] = right;
      if (nx !== NIL) this.lprev[nx] = right;
      this.lpar[right] = p;
    } else {
      right = this.allocNode();
      const n = this.ccnt[c]!;
      const half = n >> 1;
      const src = c * this.fan + half;
      const dst = right * this.fan;
      const moved = n - half;
      this.kid.copyWithin(dst, src, src + moved);
      this.kFirst.copyWithin(dst, src, src + moved);
      this.kMax.copyWithin(dst, src, src + moved);
      this.kMask.copyWithin(dst, src, src + moved);
      this.ccnt[c] = half;
      this.ccnt[right] = moved;
      this.nodePm(right, dst);
      for (let k = dst; k < dst + moved; k++) this.setParent(this.kid[k]!, hc - 1, right);
      this.npar[right] = p;
    }
    // Open slot i + 1 in p.
    const pn = this.ccnt[p]!;
    this.kid.copyWithin(pb + i + 2, pb + i + 1, pb + pn);
    this.kFirst.copyWithin(pb + i + 2, pb + i + 1, pb + pn);
    this.kMax.copyWithin(pb + i + 2, pb + i + 1, pb + pn);
    this.kMask.copyWithin(pb + i + 2, pb + i + 1, pb + pn);
    this.ccnt[p] = pn + 1;
    this.kid[pb + i + 1] = right;
    this.summarize(c, hc);
    this.kFirst[pb + i] = this.sFirst;
    this.kMax[pb + i] = this.sMax;
    this.kMask[pb + i] = this.sMask;
    this.summarize(right, hc);
    this.kFirst[pb + i + 1] = this.sFirst;
    this.kMax[pb + i + 1] = this.sMax;
    this.kMask[pb + i + 1] = this.sMask;
    this.nodePm(p, pb + i);
  }

  /**
   * `memtype_interval_insert()`: link a new entry after every entry with the
   * same start (the rbtree links equal keys to the right). Returns its handle.
   */
  insert(start: number, end: number, type: number): EntryId {
    this.writable();
    let node = this.root;
    let h = this.height;
    if (this.isFull(node, h)) {
      // Grow a new root above the full one; the loop below splits it.
      const r = this.allocNode();
      this.kid[r * this.fan] = node;
      this.ccnt[r] = 1;
      this.setParent(node, h, r);
      this.summarize(node, h);
      this.kFirst[r * this.fan] = this.sFirst;
      this.kMax[r * this.fan] = this.sMax;
      this.kPm[r * this.fan] = this.sMax;
      this.kMask[r * this.fan] = this.sMask;
      this.root = node = r;
      this.height = ++h;
    }
    const bit = 1 << type;
    while (h > 0) {
      const base = node * this.fan;
      // The last child whose first start is <= start (equal starts go right), else the first.
      const kf = this.kFirst;
      let lo = base;
      let hi = base + this.ccnt[node]!;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (kf[mid]! <= start) lo = mid + 1;
        else hi = mid;
      }
      let i = lo > base ? lo - 1 - base : 0;
      if (this.isFull(this.kid[base + i]!, h - 1)) {
        this.splitChild(node, i, h - 1); // may reallocate the pools
        if (this.kFirst[base + i + 1]! <= start) i++;
      }
      const k = base + i;
      if (start < this.kFirst[k]!) this.kFirst[k] = start;
      if (end > this.kMax[k]!) {
        this.kMax[k] = end;
        const pm = this.kPm;
        const plim = base + this.ccnt[node]!;
        for (let j = k; j < plim && pm[j]! < end; j++) pm[j] = end;
      }
      this.kMask[k]! |= bit;
      node = this.kid[k]!;
      h--;
    }
    // Leaf: after every entry with start <= start; shift the later ones up
    // while looking for the place (leaves are short, and read sequentially).
    const base = node << this.lshift;
    const n = this.lcnt[node]!;
    const se = this.se;
    const ty = this.ty;
    let j = base + n;
    while (j > base && se[2 * j - 2]! > start) {
      se[2 * j] = se[2 * j - 2]!;
      se[2 * j + 1] = se[2 * j - 1]!;
      ty[j] = ty[j - 1]!;
      j--;
    }
    se[2 * j] = start;
    se[2 * j + 1] = end;
    ty[j] = type;
    this.lcnt[node] = n + 1;
    this.count++;
    if (this.count > this.peak) this.peak = this.count;
    return j;
  }

  /* ---- removal ---- */

  /** `memtype_interval_remove()`: unlink one entry. */
  remove(id: EntryId): void {
    this.writable();
    const leaf = id >> this.lshift;
    const base = leaf << this.lshift;
    if (!(leaf > 0 && leaf < this.leafFresh && id - base < this.lcnt[leaf]!)) throw new Error('memtype tree: entry not found');
    const n = this.lcnt[leaf]!;
    const lim = base + n - 1;
    const se = this.se;
    const ty = this.ty;
    for (let j = id; j < lim; j++) {
      se[2 * j] = se[2 * j + 2]!;
      se[2 * j + 1] = se[2 * j + 3]!;
      ty[j] = ty[j + 1]!;
    }
    this.lcnt[leaf] = n - 1;
    this.count--;
    // Leaf and internal-node ids are separate pools: the leaf is the root only in a tree of height 0.
    if (n - 1 > 0 || (this.height === 0 && leaf === this.root)) {
      this.refresh(leaf, 0);
      return;
    }
    // Drop the empty leaf, and every ancestor it empties.
    const nx = this.lnext[leaf]!;
    const pv = this.lprev[leaf]!;
    if (pv !== NIL) this.lnext[pv] = nx;
    else this.head = nx;
    if (nx !== NIL) this.lprev[nx] = pv;
    this.leafFree.push(leaf);
    let c = leaf;
    let h = 0;
    for (;;) {
      const p = this.parentOf(c, h);
      const i = this.indexIn(p, c);
      const pb = p * this.fan;
      const pn = this.ccnt[p]!;
      this.kid.copyWithin(i, i + 1, pb + pn);
      this.kFirst.copyWithin(i, i + 1, pb + pn);
      this.kMax.copyWithin(i, i + 1, pb + pn);
      this.kMask.copyWithin(i, i + 1, pb + pn);
      this.ccnt[p] = pn - 1;
      this.nodePm(p, i);
      h++;
      if (pn - 1 > 0) {
        this.refresh(p, h);
        break;
      }
      // p is not the root: a root has at least two children.
      this.nodeFree.push(p);
      c = p;
    }
    // A root with a single child is replaced by it.
    while (this.height > 0 && this.ccnt[this.root] === 1) {
      const r = this.root;
      this.root = this.kid[r * this.fan]!;
      this.height--;
      this.setParent(this.root, this.height, NIL);
      this.nodeFree.push(r);
    }
  }

  /**
   * Give an entry a new end by removing and re-inserting it, as the pre-v6.16
   * end-match shrink does in `memtype_erase()`: the entry then sorts behind the
   * other entries of its start, like a new insertion. Returns its new handle.
   */
  reinsertWithEnd(id: EntryId, newEnd: number): EntryId {
    const s = this.start(id);
    const t = this.type(id);
    this.remove(id);
    return this.insert(s, newEnd, t);
  }

  /* ---- queries ---- */

  /**
   * The first entry in tree order overlapping [a, b] (b inclusive): the
   * kernel's `interval_iter_first(root, a, b)`. With `excludeType` >= 0, the
   * first such entry whose type differs from it (subtrees holding only that
   * type are skipped, which cannot change the answer). Returns 0 if none.
   */
  firstOverlap(a: number, b: number, excludeType = -1): EntryId {
    const want = excludeType < 0 ? ALL_TYPES : ALL_TYPES & ~(1 << excludeType);
    return this.firstIn(this.root, this.height, a, b, want);
  }

  /**
   * The first index in [lo, hi) whose prefix max end exceeds `a`: the
   * children before it all end at or before `a`, so cannot overlap. A linear
   * scan: nodes are a few cache lines, read in order (faster here than a
   * binary search's dependent probes).
   */
  private skipEndingBy(pm: Float64Array, lo: number, hi: number, a: number): number {
    while (lo < hi && pm[lo]! <= a) lo++;
    return lo;
  }

  private firstIn(n: number, h: number, a: number, b: number, want: number): number {
    if (h === 0) {
      const base = n << this.lshift;
      const lim = base + this.lcnt[n]!;
      const se = this.se;
      for (let i = base; i < lim; i++) {
        if (se[2 * i]! > b) return NIL;
        if (se[2 * i + 1]! > a && ((1 << this.ty[i]!) & want) !== 0) return i;
      }
      return NIL;
    }
    const base = n * this.fan;
    const lim = base + this.ccnt[n]!;
    const kf = this.kFirst;
    const km = this.kMax;
    const kk = this.kMask;
    for (let i = this.skipEndingBy(this.kPm, base, lim, a); i < lim; i++) {
      if (kf[i]! > b) return NIL;
      if (km[i]! <= a || (kk[i]! & want) === 0) continue;
      const r = this.firstIn(this.kid[i]!, h - 1, a, b, want);
      if (r !== NIL) return r;
    }
    return NIL;
  }

  /**
   * Visit the entries overlapping [a, b] in tree order (the kernel's
   * `interval_iter_first`/`interval_iter_next` walk) until `visit` returns true;
   * returns the entry it stopped at, or 0. `visit` must not mutate the tree.
   */
  findOverlap(a: number, b: number, visit: (id: EntryId) => boolean): EntryId {
    return this.walk(this.root, this.height, a, b, visit);
  }

  private walk(n: number, h: number, a: number, b: number, visit: (id: EntryId) => boolean): number {
    if (h === 0) {
      const base = n << this.lshift;
      const lim = base + this.lcnt[n]!;
      for (let i = base; i < lim; i++) {
        if (this.se[2 * i]! > b) return NIL;
        if (this.se[2 * i + 1]! > a && visit(i)) return i;
      }
      return NIL;
    }
    const base = n * this.fan;
    const lim = base + this.ccnt[n]!;
    for (let i = this.skipEndingBy(this.kPm, base, lim, a); i < lim; i++) {
      if (this.kFirst[i]! > b) return NIL;
      if (this.kMax[i]! <= a) continue;
      const r = this.walk(this.kid[i]!, h - 1, a, b, visit);
      if (r !== NIL) return r;
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
    let n = this.root;
    for (let h = this.height; h > 0; h--) {
      // The last child whose first start is < start (the run may begin at its end), else the first.
      const base = n * this.fan;
      const kf = this.kFirst;
      let lo = base;
      let hi = base + this.ccnt[n]!;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (kf[mid]! < start) lo = mid + 1;
        else hi = mid;
      }
      n = this.kid[lo > base ? lo - 1 : base]!;
    }
    const se = this.se;
    let base = n << this.lshift;
    let i = base;
    const first = base + this.lcnt[n]!;
    while (i < first && se[2 * i]! < start) i++;
    for (;;) {
      const lim = base + this.lcnt[n]!;
      for (; i < lim; i++) {
        if (se[2 * i] !== start) return NIL;
        if (se[2 * i + 1] === end) return i;
      }
      n = this.lnext[n]!;
      if (n === NIL) return NIL;
      i = base = n << this.lshift;
    }
  }

  /** All entries in tree order (handles valid while the tree is not mutated). */
  *entries(): IterableIterator<EntryId> {
    for (let l = this.head; l !== NIL; l = this.lnext[l]!) {
      const base = l << this.lshift;
      for (let i = base; i < base + this.lcnt[l]!; i++) yield i;
    }
  }

  /** Entries as plain objects, in tree order. */
  toArray(): MemtypeEntry[] {
    const out: MemtypeEntry[] = [];
    for (const id of this.entries()) out.push({ start: this.start(id), end: this.end(id), type: this.type(id) });
    return out;
  }

  /**
   * Check the structural invariants: starts ascending in tree order, the
   * per-child summaries (first start, max end, type mask) and their prefix
   * max ends, node counts (no
   * empty node but an empty root leaf, no overfull node, a root with at least
   * two children), uniform leaf depth, parent links, the leaf chain, the
   * entry count. Returns a description of the first violation, or null. For
   * tests.
   */
  checkInvariants(): string | null {
    let seen = 0;
    let prevStart = -Infinity;
    const leaves: number[] = [];
    let err: string | null = null;
    const rec = (n: number, h: number, parent: number): { first: number; max: number; mask: number } | null => {
      if (this.parentOf(n, h) !== parent) {
        err = `parent link wrong at ${h === 0 ? 'leaf' : 'node'} ${n}`;
        return null;
      }
      let max = -Infinity;
      let mask = 0;
      let first = NaN;
      if (h === 0) {
        const cnt = this.lcnt[n]!;
        if (cnt > this.lcap || cnt < 0) return ((err = `leaf ${n} holds ${cnt} entries`), null);
        if (cnt === 0 && !(this.height === 0 && n === this.root)) return ((err = `empty leaf ${n} is linked`), null);
        leaves.push(n);
        const base = n << this.lshift;
        for (let i = base; i < base + cnt; i++) {
          if (!(this.start(i) >= prevStart)) return ((err = `order violated at entry ${i}`), null);
          if (!(this.start(i) < this.end(i))) return ((err = `empty range at entry ${i}`), null);
          prevStart = this.start(i);
          max = Math.max(max, this.end(i));
          mask |= 1 << this.ty[i]!;
          seen++;
        }
        first = this.start(base);
        return { first, max, mask };
      }
      const cnt = this.ccnt[n]!;
      if (cnt > this.fan || cnt < 1) return ((err = `node ${n} has ${cnt} children`), null);
      if (n === this.root && cnt < 2) return ((err = `root ${n} has ${cnt} child`), null);
      const base = n * this.fan;
      for (let i = base; i < base + cnt; i++) {
        const s = rec(this.kid[i]!, h - 1, n);
        if (s === null) return null;
        if (s.first !== this.kFirst[i]) return ((err = `first start wrong for child ${i - base} of node ${n}`), null);
        if (s.max !== this.kMax[i]) return ((err = `max-end wrong for child ${i - base} of node ${n}`), null);
        if (s.mask !== this.kMask[i]) return ((err = `type mask wrong for child ${i - base} of node ${n}`), null);
        if (i === base) first = s.first;
        max = Math.max(max, s.max);
        mask |= s.mask;
        if (this.kPm[i] !== max) return ((err = `prefix max-end wrong for child ${i - base} of node ${n}`), null);
      }
      return { first, max, mask };
    };
    if (rec(this.root, this.height, NIL) === null) return err ?? 'invariant check failed';
    if (seen !== this.count) return `count ${this.count} but ${seen} reachable`;
    if (this.count > this.peak) return `peak ${this.peak} below count ${this.count}`;
    let l = this.head;
    let prev = NIL;
    for (let k = 0; k < leaves.length; k++) {
      if (l !== leaves[k]) return `leaf chain broken at position ${k}`;
      if (this.lprev[l] !== prev) return `leaf back link wrong at leaf ${l}`;
      prev = l;
      l = this.lnext[l]!;
    }
    if (l !== NIL) return 'leaf chain longer than the tree';
    return null;
  }
}
