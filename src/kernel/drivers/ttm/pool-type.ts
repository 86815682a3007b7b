/**
 * `struct ttm_pool_type` (drivers/gpu/drm/ttm/ttm_pool.c; spec 05 §3.1): the
 * pages of one caching and one order kept for reuse, on a `list_lru`.
 *
 * `ttm_pool_type_give` adds at the tail (`list_lru_add`), `ttm_pool_type_take`
 * and the shrinker walk from the head, so the list is FIFO. Entries are the
 * first pfns of 2^order blocks, in a growable Int32Array ring (a pool of a
 * million pages holds no per-page objects).
 */

import { CLONE, type ClonesItself } from '../../clones-itself.js';
import type { TtmCaching } from './caching.js';

/** The ring of a type that never held a block: shared by all of them (frozen, so kernel clones share it too). */
const EMPTY = Object.freeze(new Int32Array(0)) as Int32Array;

export class TtmPoolType implements ClonesItself {
  // Most types of a device never hold a block: their ring is allocated on the first push.
  private buf: Int32Array = EMPTY;
  private head = 0;
  private len = 0;
  /** The ring is shared with a copy or its original (kernel/clone.ts): copied before the next push writes it. */
  private shared = false;

  constructor(
    readonly caching: TtmCaching,
    readonly order: number,
    /** `pt->pool`: null for the x86 global types (their pages are freed as if by no pool). */
    readonly poolId: number | null,
    /** One of the global dma32 types. */
    readonly dma32: boolean,
  ) {}

  /** A copy sharing the ring until either pushes (a device has 44 types, nearly all empty). */
  [CLONE](): TtmPoolType {
    const c = new TtmPoolType(this.caching, this.order, this.poolId, this.dma32);
    c.buf = this.buf;
    c.head = this.head;
    c.len = this.len;
    if (this.buf !== EMPTY) c.shared = this.shared = true;
    return c;
  }

  /** Blocks held. */
  get count(): number {
    return this.len;
  }

  /** Pages held (count × 2^order). */
  get pages(): number {
    return this.len * 2 ** this.order;
  }

  /** list_lru_add: append a block at the tail. */
  push(pfn: number): void {
    if (this.shared) {
      this.buf = this.buf.slice();
      this.shared = false;
    }
    if (this.len === this.buf.length) {
      const nb = new Int32Array(Math.max(16, this.buf.length * 2));
      for (let i = 0; i < this.len; i++) nb[i] = this.buf[(this.head + i) % this.buf.length]!;
      this.buf = nb;
      this.head = 0;
    }
    this.buf[(this.head + this.len) % this.buf.length] = pfn;
    this.len++;
  }

  /** Isolate the head block, or -1 when empty. */
  shift(): number {
    if (this.len === 0) return -1;
    const pfn = this.buf[this.head]!;
    this.head = (this.head + 1) % this.buf.length;
    this.len--;
    return pfn;
  }

  /** The blocks in list order (for dumps and tests). */
  list(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.len; i++) out.push(this.buf[(this.head + i) % this.buf.length]!);
    return out;
  }
}
