/**
 * A deterministic page allocator per zone (mm/page_alloc.c `alloc_pages`,
 * `__free_pages`; spec 05 §1, spec/07 (b) 8).
 *
 * Not the buddy allocator: which free page a request gets is a model choice,
 * made reproducible and tunable. Each zone is walked in a fixed order: with
 * `fragmentation.level` 0 ascending (lowest free first); with a higher level
 * the zone is cut into chunks of 2^c pages (c = round((1 - level) * 10)) and
 * the chunks are visited in a seeded pseudo-random permutation, pages inside a
 * chunk ascending, so level 1 scatters single pages all over memory. Each
 * order keeps its own cursor in that walk; a freed page becomes available
 * again when a cursor comes round to it (the kernel would hand it out next,
 * LIFO: not modelled). The only per-page state is the PG_buddy flag.
 *
 * Zone fallback follows the zonelist: a request may use its highest allowed
 * zone and every lower one (GFP_HIGHUSER: HighMem, Normal, DMA32, DMA;
 * GFP_KERNEL: Normal, DMA32, DMA; GFP_DMA32: DMA32, DMA — on x86-32, which
 * has no DMA32 zone, Normal, DMA; GFP_DMA: DMA).
 */

import { freezeDeep } from '../freeze.js';
import type { ZoneName } from '../context.js';
import { ImpossibleRequestError } from '../impossible.js';
import { PG_BUDDY, PG_HEAD, type PageArray } from './page.js';
import type { Zones } from './zones.js';

export type Gfp = 'GFP_KERNEL' | 'GFP_DMA32' | 'GFP_DMA' | 'GFP_HIGHUSER';
export const MAX_ORDER = 10;

/** A seeded bijection on [0, n) (cycle-walking a bijective mix on the next power of two). */
export class Permutation {
  private readonly bits: number;
  private readonly mask: number;
  private readonly k: number[];

  constructor(
    readonly n: number,
    seed: number,
  ) {
    let b = 1;
    while (2 ** b < n) b++;
    this.bits = b;
    this.mask = b >= 31 ? 0x7fffffff : (1 << b) - 1;
    // Round keys from a small seeded generator (splitmix-like, 32-bit).
    let s = (seed | 0) ^ 0x9e3779b9;
    const next = (): number => {
      s = (s + 0x6d2b79f5) | 0;
      let t = Math.imul(s ^ (s >>> 15), 1 | s);
      t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
      return (t ^ (t >>> 14)) >>> 0;
    };
    this.k = [next() | 1, next(), next() | 1, next(), next() | 1, next()];
  }

  private mix(x: number): number {
    const m = this.mask;
    const h = Math.max(1, this.bits >> 1);
    for (let r = 0; r < 6; r += 2) {
      x = (Math.imul(x, this.k[r]!) + this.k[r + 1]!) & m;
      x ^= x >>> h;
    }
    return x;
  }

  at(i: number): number {
    if (this.n <= 1) return 0;
    let x = this.mix(i);
    while (x >= this.n) x = this.mix(x);
    return x;
  }
}

interface ZoneState {
  zone: ZoneName;
  start: number;
  end: number;
  /** Per order: next walk position, and the walk's permutation of chunks. */
  cursor: number[];
  perm: (Permutation | null)[];
  free: number;
}

export class PageAllocator {
  private readonly zones = new Map<ZoneName, ZoneState>();
  /** Pages each zone manages (free at boot: neither reserved nor a hole): `zone_managed_pages()`. */
  readonly managed = new Map<ZoneName, number>();
  private readonly chunkOrder: number;
  private readonly scatter: boolean;

  constructor(
    private readonly pages: PageArray,
    private readonly layout: Zones,
    fragmentation: { level: number; seed: number },
  ) {
    const level = Math.min(Math.max(fragmentation.level, 0), 1);
    this.scatter = level > 0;
    this.chunkOrder = Math.round((1 - level) * 10);
    for (const r of layout.ranges) {
      const free = pages.countFlag(PG_BUDDY, r.start, Math.min(r.end, pages.nPfns));
      const perm: (Permutation | null)[] = [];
      for (let o = 0; o <= MAX_ORDER; o++) {
        const unit = Math.max(this.chunkOrder, o);
        const nChunks = Math.ceil((r.end - Math.floor(r.start / 2 ** o) * 2 ** o) / 2 ** unit);
        perm.push(this.scatter ? new Permutation(Math.max(nChunks, 1), fragmentation.seed + o * 7919) : null);
      }
      // The walks' permutations never change: frozen, copies of the kernel share them (kernel/freeze.ts).
      freezeDeep(perm);
      this.zones.set(r.zone, { zone: r.zone, start: r.start, end: r.end, cursor: new Array(MAX_ORDER + 1).fill(0), perm, free });
      this.managed.set(r.zone, (this.managed.get(r.zone) ?? 0) + free);
    }
  }

  /** Zones a request may use, in the order they are tried. */
  zonelist(gfp: Gfp): ZoneName[] {
    const is64 = this.layout.arch === 'x86-64';
    const all: ZoneName[] =
      gfp === 'GFP_DMA'
        ? ['DMA']
        : gfp === 'GFP_DMA32'
          ? is64
            ? ['DMA32', 'DMA']
            : ['Normal', 'DMA']
          : gfp === 'GFP_KERNEL'
            ? ['Normal', 'DMA32', 'DMA']
            : ['HighMem', 'Normal', 'DMA32', 'DMA'];
    return all.filter((z) => this.zones.has(z));
  }

  /** The allocator's whole state beyond page flags: each zone's free count and per-order cursors (what decides the next allocation). */
  cursorKey(): string {
    return [...this.zones.values()].map((z) => `${z.zone}:${z.free}:${z.cursor.join(',')}`).join(' ');
  }

  /** Free pages in a zone (or all zones). */
  nrFree(zone?: ZoneName): number {
    if (zone) return this.zones.get(zone)?.free ?? 0;
    let n = 0;
    for (const z of this.zones.values()) n += z.free;
    return n;
  }

  /**
   * `alloc_pages(gfp, order)`: the first pfn of 2^order free, naturally
   * aligned pages from the first zone of the zonelist that has them, or -1.
   * The pages get refcount 1 (head) and lose PG_buddy.
   */
  allocPages(gfp: Gfp, order = 0): number {
    if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER) throw new RangeError(`order ${order} not in 0..${MAX_ORDER}`);
    for (const zn of this.zonelist(gfp)) {
      const z = this.zones.get(zn)!;
      if (z.free < 2 ** order) continue;
      const pfn = this.take(z, order);
      if (pfn >= 0) return pfn;
    }
    return -1;
  }

  /** Walk one zone from the order's cursor; a full cycle without a fit fails. */
  private take(z: ZoneState, order: number): number {
    const size = 2 ** order;
    const base = Math.floor(z.start / size) * size;
    const nBlocks = Math.ceil((z.end - base) / size);
    const unit = Math.max(this.chunkOrder - order, 0); // chunk size in blocks = 2^unit
    const perBlock = 2 ** unit;
    const perm = z.perm[order]!;
    const total = this.scatter ? perm.n * perBlock : nBlocks;
    const flags = this.pages.flags;
    for (let tries = 0; tries < total; tries++) {
      const pos = z.cursor[order]!;
      z.cursor[order] = pos + 1 >= total ? 0 : pos + 1;
      const blk = this.scatter ? perm.at(Math.floor(pos / perBlock)) * perBlock + (pos % perBlock) : pos;
      const pfn = base + blk * size;
      if (pfn < z.start || pfn + size > z.end) continue;
      let ok = true;
      for (let q = pfn; q < pfn + size; q++)
        if (!(flags.get(q) & PG_BUDDY)) {
          ok = false;
          break;
        }
      if (!ok) continue;
      return this.claim(z, pfn, order);
    }
    return -1;
  }

  /** Hand out the free, checked block at `pfn`: it leaves the buddy, its head gets refcount 1 (and PG_head above order 0). */
  private claim(z: ZoneState, pfn: number, order: number): number {
    const size = 2 ** order;
    const flags = this.pages.flags;
    for (let q = pfn; q < pfn + size; q++) flags.set(q, flags.get(q) & ~PG_BUDDY);
    this.pages.refcount.set(pfn, 1);
    if (order > 0) flags.set(pfn, flags.get(pfn) | PG_HEAD);
    z.free -= size;
    return pfn;
  }

  /**
   * The allocation that returns the 2^order pages at `pfn` (naturally
   * aligned, all free, in a zone `gfp` may use): a scenario replaying a real
   * machine names the page the kernel handed out. Throws
   * ImpossibleRequestError otherwise.
   */
  allocPagesAt(gfp: Gfp, order: number, pfn: number): number {
    const size = 2 ** order;
    const at = `pfn ${'0x' + pfn.toString(16)}`;
    if (!Number.isInteger(pfn) || pfn < 0 || pfn % size !== 0) throw new ImpossibleRequestError(`${at} is not a naturally aligned block of order ${order}`);
    const zn = pfn < this.pages.nPfns ? this.layout.zoneOf(pfn) : null;
    const z = zn === null ? undefined : this.zones.get(zn);
    if (z === undefined || zn === null) throw new ImpossibleRequestError(`${at} is not in any zone's memory`);
    if (!this.zonelist(gfp).includes(zn)) throw new ImpossibleRequestError(`${at} is in zone ${zn}, which ${gfp} does not allow (${this.zonelist(gfp).join(', ')})`);
    const flags = this.pages.flags;
    for (let q = pfn; q < pfn + size; q++) {
      if (q >= z.end || !(flags.get(q) & PG_BUDDY)) throw new ImpossibleRequestError(`${at}${size > 1 ? `: page 0x${q.toString(16)}` : ''} is not free`);
    }
    return this.claim(z, pfn, order);
  }

  /** `allocPagesAt`, or null where it would refuse (not free, not aligned, a zone `gfp` does not allow): for replays that fall back. */
  tryAllocPagesAt(gfp: Gfp, order: number, pfn: number): number | null {
    try {
      return this.allocPagesAt(gfp, order, pfn);
    } catch (e) {
      if (e instanceof ImpossibleRequestError) return null;
      throw e;
    }
  }

  /** `__free_pages(page, order)`: give 2^order pages back (refcount to 0, PG_buddy). */
  free(pfn: number, order = 0): void {
    const size = 2 ** order;
    const flags = this.pages.flags;
    const zn = this.layout.zoneOf(pfn);
    const z = this.zones.get(zn);
    for (let q = pfn; q < pfn + size; q++) {
      if (flags.get(q) & PG_BUDDY) throw new Error(`double free of pfn ${q.toString(16)}`);
      flags.set(q, (flags.get(q) | PG_BUDDY) & ~PG_HEAD);
      this.pages.refcount.set(q, 0);
    }
    if (z) z.free += size;
  }

  /** `alloc_page(gfp)` n times: the pfns in allocation order (fails with -1 entries when memory runs out). */
  allocMany(gfp: Gfp, n: number): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.allocPages(gfp, 0);
    return out;
  }
}

/**
 * `split_page(page, order)` (mm/page_alloc.c): a non-compound higher-order
 * block becomes 2^order order-0 pages; every tail page gets its own reference
 * (refcount 1), the head keeps its count.
 */
export function splitPage(pages: PageArray, pfn: number, order: number): void {
  for (let q = pfn + 1; q < pfn + 2 ** order; q++) pages.refcount.set(q, pages.refcount.get(q) + 1);
  pages.flags.set(pfn, pages.flags.get(pfn) & ~PG_HEAD);
}
