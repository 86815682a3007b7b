/**
 * One number per pfn (a field of `struct page`, the page memtype, a 4 KiB
 * entry of the direct map), stored in chunks of 4096 entries. A chunk that a
 * fill covered whole holds one value and is shared, within this array and
 * with its clones, until an entry in it is written: then that chunk alone is
 * copied. So a boot costs what its fills cover in chunks, not in pages, and
 * a clone of a booted kernel (kernel/clone.ts) copies chunk pointers; the
 * pages a run writes are what it pays for (the kernel's per-page work).
 *
 * Reads and writes out of range behave as a typed array's: a read gives
 * undefined, a write does nothing.
 */

import type { PageField } from '../context.js';
import { CLONE, type ClonesItself } from '../clones-itself.js';

const SHIFT = 12;
const SIZE = 1 << SHIFT;
const MASK = SIZE - 1;

type Chunk = Uint8Array | Int32Array;

/**
 * The chunked store; `PageBytes` and `PageInts` are its two element kinds,
 * each with its own get/set so each call site sees one typed-array kind (one
 * shared get/set here, reached with both kinds, made 2*10^7 rounds of reading
 * and writing one of each 1.5x slower: 263-298 against 403-446 ms).
 */
export abstract class PageChunks implements PageField, ClonesItself {
  protected chunks: Chunk[];
  /** Per chunk: 1 where this array may write the chunk in place (no one else holds it). */
  protected own: Uint8Array;
  /** Per chunk: the value of every entry while the chunk is one filled whole, else NaN. */
  private whole: Float64Array;
  /** The shared chunks of one value each, by value (one table for an array and all its copies: these chunks are never written). */
  private consts: Map<number, Chunk>;

  /** `from`: a copy of that array ([CLONE]). */
  constructor(
    readonly length: number,
    from?: PageChunks,
  ) {
    const n = Math.ceil(length / SIZE);
    if (from) {
      // Its chunks, none of them its own yet. The one-value chunks are never written, so every copy shares one table of them.
      this.consts = from.consts;
      this.chunks = from.chunks.slice();
      this.own = new Uint8Array(n);
      this.whole = from.whole.slice();
      return;
    }
    this.consts = new Map();
    this.chunks = n > 0 ? new Array<Chunk>(n).fill(this.constChunk(0)) : [];
    this.own = new Uint8Array(n);
    this.whole = new Float64Array(n);
  }

  /** What the typed array stores for `v` (ToUint8 / ToInt32): a chunk's one value reads as its entries do. */
  protected abstract norm(v: number): number;

  private constChunk(v: number): Chunk {
    let c = this.consts.get(v);
    if (!c) {
      c = this.newStore(SIZE);
      if (v !== 0) c.fill(v);
      this.consts.set(v, c);
    }
    return c;
  }

  /**
   * Chunks this array copies are carved from slabs (one buffer for many
   * chunks, doubling up to 64), so written chunks lie together in memory as
   * a flat array's pages would; a chunk a fill gives back is reused.
   */
  private slab: Chunk | null = null;
  private slabUsed = 0;
  private slabChunks = 0;
  private spare: Chunk[] = [];

  protected abstract newStore(entries: number): Chunk;

  private allocChunk(): Chunk {
    const f = this.spare.pop();
    if (f) return f;
    if (this.slab === null || this.slabUsed === this.slabChunks) {
      this.slabChunks = Math.min(Math.max(this.slabChunks * 2, 1), 64, this.chunks.length);
      this.slab = this.newStore(this.slabChunks * SIZE);
      this.slabUsed = 0;
    }
    return this.slab.subarray(this.slabUsed * SIZE, ++this.slabUsed * SIZE);
  }

  /** The chunk `ci`, writable in place. */
  protected mine(ci: number): Chunk {
    let c = this.chunks[ci]!;
    if (this.own[ci] === 0) {
      const copy = this.allocChunk();
      copy.set(c);
      c = copy;
      this.chunks[ci] = c;
      this.own[ci] = 1;
    }
    this.whole[ci] = NaN;
    return c;
  }

  /** Out of range: undefined, as a typed array (callers' `!` assertions have always had that). */
  abstract get(i: number): number;
  /** Out of range: nothing, as a typed array. */
  abstract set(i: number, v: number): void;

  /** `TypedArray.prototype.fill` over `[start, end)`: whole chunks become shared constant chunks. */
  fill(value: number, start = 0, end = this.length): void {
    const v = this.norm(value);
    const s = Math.max(0, Math.min(start, this.length));
    const e = Math.max(s, Math.min(end, this.length));
    if (e - s === 1) {
      // One page (a set_page_memtype of one pfn, the common case after boot).
      if (this.whole[s >>> SHIFT] !== v) this.set(s, v);
      return;
    }
    let p = s;
    while (p < e) {
      const ci = p >>> SHIFT;
      const cEnd = Math.min((ci + 1) * SIZE, this.length);
      const to = Math.min(e, cEnd);
      if (p === ci * SIZE && to === cEnd) {
        if (this.own[ci] === 1) this.spare.push(this.chunks[ci]!);
        this.chunks[ci] = this.constChunk(v);
        this.own[ci] = 0;
        this.whole[ci] = v;
      } else if (this.whole[ci] !== v) this.mine(ci).fill(v, p & MASK, ((to - 1) & MASK) + 1);
      p = to;
    }
  }

  /** Entries in `[start, end)` with `(value & bit) !== 0`, a whole chunk at once where it holds one value. */
  countBit(bit: number, start: number, end: number): number {
    let n = 0;
    let p = Math.max(0, start);
    const e = Math.min(end, this.length);
    while (p < e) {
      const ci = p >>> SHIFT;
      const to = Math.min(e, (ci + 1) * SIZE);
      const w = this.whole[ci]!;
      if (w === w) {
        if (w & bit) n += to - p;
      } else {
        const c = this.chunks[ci]!;
        for (let j = p & MASK, jEnd = ((to - 1) & MASK) + 1; j < jEnd; j++) if (c[j]! & bit) n++;
      }
      p = to;
    }
    return n;
  }

  /** The first index in `[start, end)` whose value is not `v`, or `end`; chunks filled whole with `v` are skipped at once. */
  firstNot(v: number, start: number, end: number): number {
    let p = Math.max(0, start);
    const e = Math.min(end, this.length);
    while (p < e) {
      const ci = p >>> SHIFT;
      const to = Math.min(e, (ci + 1) * SIZE);
      if (this.whole[ci] !== v) {
        const c = this.chunks[ci]!;
        for (let j = p & MASK, jEnd = ((to - 1) & MASK) + 1; j < jEnd; j++) if (c[j] !== v) return ci * SIZE + j;
      }
      p = to;
    }
    return end;
  }

  /** `[start, end)` as a typed array of its own (state dumps, tests). */
  slice(start = 0, end = this.length): Uint8Array | Int32Array {
    const s = Math.max(0, Math.min(start, this.length));
    const e = Math.max(s, Math.min(end, this.length));
    const out = this.newStore(e - s);
    for (let p = s; p < e; ) {
      const ci = p >>> SHIFT;
      const to = Math.min(e, (ci + 1) * SIZE);
      out.set(this.chunks[ci]!.subarray(p & MASK, ((to - 1) & MASK) + 1), p - s);
      p = to;
    }
    return out;
  }

  /** Bytes of chunks this array holds (each shared chunk once). */
  heldBytes(): number {
    let n = 0;
    for (const c of new Set(this.chunks)) n += c.byteLength;
    return n;
  }

  /** A copy that shares every chunk with this array until either writes it (kernel/clone.ts). */
  [CLONE](): PageChunks {
    // Made by the constructor, so a copy has the same shape as a fresh array (its get/set sites stay monomorphic) and a slab and spare list of its own.
    const c = new (this.constructor as new (length: number, from: PageChunks) => PageChunks)(this.length, this);
    // From now on both hold every chunk: neither writes one in place.
    this.own.fill(0);
    return c;
  }
}

/** One byte per pfn (page flags, the page memtype, a 4 KiB entry's cache bits). */
export class PageBytes extends PageChunks {
  protected newStore(entries: number): Chunk {
    return new Uint8Array(entries);
  }

  protected norm(v: number): number {
    return v & 0xff;
  }

  get(i: number): number {
    if (!(i >= 0 && i < this.length)) return undefined as unknown as number;
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }

  set(i: number, v: number): void {
    if (!(i >= 0 && i < this.length)) return;
    const ci = i >>> SHIFT;
    // An owned chunk is never a shared one-value chunk (fill replaces a whole chunk by one it does not own).
    (this.own[ci] === 1 ? this.chunks[ci]! : this.mine(ci))[i & MASK] = v;
  }
}

/** A 32-bit count per pfn (refcount, mapcount). */
export class PageInts extends PageChunks {
  protected newStore(entries: number): Chunk {
    return new Int32Array(entries);
  }

  protected norm(v: number): number {
    return v | 0;
  }

  get(i: number): number {
    if (!(i >= 0 && i < this.length)) return undefined as unknown as number;
    return this.chunks[i >>> SHIFT]![i & MASK]!;
  }

  set(i: number, v: number): void {
    if (!(i >= 0 && i < this.length)) return;
    const ci = i >>> SHIFT;
    (this.own[ci] === 1 ? this.chunks[ci]! : this.mine(ci))[i & MASK] = v;
  }
}
