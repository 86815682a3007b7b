/**
 * Linux's memtype tracking: `memtype_reserve`, `memtype_free`,
 * `lookup_memtype` and their helpers (arch/x86/mm/pat/memtype.c; spec 02
 * §4, §6–§12, §15, §17).
 *
 * RAM is tracked in page flags, everything else in the interval tree. The
 * order of checks, the values returned and every message follow the kernel;
 * comments say why where the kernel's behaviour is surprising.
 */

import { CM, MT, cattrName, type CacheMode } from '../../hw/cache-mode.js';
import { EBUSY, EINVAL } from '../errno.js';
import type { PageMemtypes } from '../mm/page-memtype.js';
import type { SystemRam } from '../mm/system-ram.js';
import { fmtLx, memRange, type Printk } from '../printk.js';
import type { KernelFlags } from '../version.js';
import type { KernelHooks } from '../hooks.js';
import { MemtypeTree } from './memtype-tree.js';
import { patPagerangeIsRam } from './ram.js';
import { PAGE_SIZE } from '../../hw/page.js';
import type { CurrentTask } from '../task.js';

/** What `mtrr_type_lookup()` answers; see kernel/mtrr. */
export interface MtrrTypeLookup {
  typeLookup(start: number, end: number): { type: number; uniform: boolean };
}

/** `memtype_kernel_map_sync()` as provided by the direct-map model (kernel/mm). */
export type KernelMapSync = (base: number, size: number, pcm: CacheMode) => number;

export interface MemtypeConfig {
  /** `pat_enabled()` after boot. */
  patEnabled: boolean;
  /** The `debugpat` boot option: `dprintk` lines are printed. */
  debugpat: boolean;
  /**
   * `__PHYSICAL_MASK` applied by `sanitize_phys()` on 64-bit kernels
   * (2^52 - 1 without memory encryption); null on 32-bit, where it is the identity.
   */
  physMask: bigint | null;
  flags: KernelFlags;
  /** The design under test: hook `ramMemtypeStore` (3c) changes where RAM memtypes live. */
  hooks: KernelHooks;
}

/** Result of a call that may hand back a cache mode through a pointer. */
export interface ReserveResult {
  ret: number;
  /** The value left in `*new_type`, or undefined if the kernel never wrote it. */
  newType: CacheMode | undefined;
}

const ISA_START_ADDRESS = 0xa0000;
const ISA_END_ADDRESS = 0x100000;
const U64_MASK = (1n << 64n) - 1n;

/**
 * `is_untracked_pat_range()` (default `is_ISA_range`): the range lies wholly
 * in the legacy ISA hole, which is always WB and never tracked (spec 02 §6).
 */
export function isUntrackedPatRange(start: number, end: number): boolean {
  return start >= ISA_START_ADDRESS && end <= ISA_END_ADDRESS;
}

/** `is_new_memtype_allowed()` (arch/x86/include/asm/pgtable.h; spec 02 §15). */
export function isNewMemtypeAllowed(paddr: number, size: number, requested: CacheMode, got: CacheMode): boolean {
  // The ISA range is always WB in page tables, so any pair is fine there.
  if (isUntrackedPatRange(paddr, paddr + size)) return true;
  // Only refuse pairs that would make the mapping more cacheable than asked
  // (or WT -> WC, which loses read caching semantics the caller relied on).
  if (
    (requested === CM.UC_MINUS && got === CM.WB) ||
    (requested === CM.WC && got === CM.WB) ||
    (requested === CM.WT && got === CM.WB) ||
    (requested === CM.WT && got === CM.WC)
  )
    return false;
  return true;
}

/** The kernel's memtype state and the functions of memtype.c acting on it. */
export class Memtype {
  readonly tree = new MemtypeTree();
  /** `WARN_ON_ONCE` sites that already fired. */
  private readonly warnedOnce = new Set<string>();
  kernelMapSync: KernelMapSync = () => 0;

  constructor(
    readonly config: MemtypeConfig,
    readonly ram: SystemRam,
    readonly pages: PageMemtypes,
    readonly mtrr: MtrrTypeLookup,
    readonly log: Printk,
    /** Where `current` is read: the kernel (its `current`), or a memtype trace's own context. */
    readonly ctx: CurrentTask,
  ) {
    this.physMaskNum = config.physMask === null ? Infinity : Number(config.physMask);
  }

  /** `physMask` as a number (2^52 - 1 is exact in a double). */
  private readonly physMaskNum: number;

  /** `dprintk()`: only with `debugpat`; the text is built lazily (hot paths call this). */
  private dprintk(text: () => string): void {
    if (this.config.debugpat) this.log.emit('info', `x86/PAT: ${text()}`);
  }

  private who(): string {
    return `${this.ctx.current.comm}:${this.ctx.current.pid}`;
  }

  private warnOnce(site: string, text: string): void {
    if (this.warnedOnce.has(site)) return;
    this.warnedOnce.add(site);
    this.log.emit('warning-splat', `WARNING: ${text}`);
  }

  /**
   * `sanitize_phys()`: on 64-bit, mask with `__PHYSICAL_MASK` (turning the
   * bit-63 decoy addresses of `set_mce_nospec` back into real ones); identity
   * on 32-bit (spec 02 §17). Takes the caller's u64 (a bigint when it may not
   * fit a double).
   */
  sanitizePhys(addr: number | bigint): number {
    const mask = this.config.physMask;
    if (mask === null) return Number(addr);
    // Fast path: an address already inside the mask is unchanged (every call from the model itself).
    if (typeof addr === 'number' && addr >= 0 && addr <= this.physMaskNum) return addr;
    return Number((BigInt(addr) & U64_MASK) & mask);
  }


  /** `pat_pagerange_is_ram()` on this machine (spec 02 §7). */
  pagerangeIsRam(start: number, end: number): -1 | 0 | 1 {
    return patPagerangeIsRam(this.ram, start, end);
  }

  /**
   * `pat_x_mtrr_type()`: a WB request on non-RAM is only kept if the MTRRs
   * say WB for the whole range; otherwise it becomes UC- (spec 02 §4).
   */
  patXMtrrType(start: number, end: number, req: CacheMode): CacheMode {
    if (req !== CM.WB) return req;
    const { type } = this.mtrr.typeLookup(start, end);
    return type === MT.WB ? CM.WB : CM.UC_MINUS;
  }

  /**
   * `memtype_reserve(start, end, req_type, new_type)` (spec 02 §10).
   * `wantNew` says whether the caller passed `new_type` (accepting whatever
   * type an overlapping reservation imposes) or NULL (strict).
   */
  memtypeReserve(startIn: number | bigint, endIn: number | bigint, req: CacheMode, wantNew: boolean): ReserveResult {
    const start = this.sanitizePhys(startIn);
    // end - 1 is taken in u64 arithmetic, so an end of 0 becomes 2^64 - 1.
    const endMinus1 = typeof endIn === 'number' && endIn >= 1 ? endIn - 1 : (BigInt(endIn) - 1n) & U64_MASK;
    const end = this.sanitizePhys(endMinus1) + 1;
    if (start >= end) {
      this.log.emit('warning-splat', `WARNING: memtype_reserve failed: ${memRange(start, end)}, req ${cattrName(req)}`);
      return { ret: -EINVAL, newType: undefined };
    }
    if (!this.config.patEnabled) return { ret: 0, newType: wantNew ? req : undefined };
    if (isUntrackedPatRange(start, end)) return { ret: 0, newType: wantNew ? CM.WB : undefined };

    const actual = this.patXMtrrType(start, end, req);
    const isRam = this.pagerangeIsRam(start, end);
    // 3c (ramMemtypeStore 'tree'): RAM is tracked in the tree like everything else, as
    // before 9542ada8 moved it into page flags.
    if (isRam === 1 && this.config.hooks.ramMemtypeStore !== 'tree') return this.reserveRamPagesType(start, end, req, wantNew);
    if (isRam < 0) return { ret: -EINVAL, newType: wantNew ? actual : undefined };

    const conflict = this.checkConflict(start, end, actual, wantNew);
    if (conflict.ret) {
      this.log.emit(
        'info',
        `x86/PAT: memtype_reserve failed ${memRange(start, end)}, track ${cattrName(actual)}, req ${cattrName(req)}`,
      );
      return { ret: conflict.ret, newType: wantNew ? actual : undefined };
    }
    const stored = wantNew ? conflict.found : actual;
    this.tree.insert(start, end, stored);
    this.dprintk(
      () => `memtype_reserve added ${memRange(start, end)}, track ${cattrName(stored)}, req ${cattrName(req)}, ret ${
        wantNew ? cattrName(conflict.found) : '-'
      }`,
    );
    return { ret: 0, newType: wantNew ? conflict.found : undefined };
  }

  /**
   * `memtype_check_conflict()` (spec 02 §9.2): the first overlapping entry
   * decides the type (or, strict, must equal the request); every further
   * overlapping entry must agree with it.
   */
  private checkConflict(start: number, end: number, reqType: CacheMode, wantNew: boolean): { ret: number; found: CacheMode } {
    const t = this.tree;
    const first = t.firstOverlap(start, end - 1);
    if (first === 0) return { ret: 0, found: reqType };
    let found = reqType;
    let culprit = first;
    if (t.type(first) !== reqType && !wantNew) {
      // found stays the requested type: the message pairs it with the culprit.
    } else {
      this.dprintk(() => `Overlap at 0x${fmtLx(t.start(first))}-0x${fmtLx(t.end(first))}`);
      found = t.type(first) as CacheMode;
      culprit = t.firstOverlap(start, end - 1, found);
      if (culprit === 0) return { ret: 0, found };
    }
    this.log.emit(
      'info',
      `x86/PAT: ${this.who()} conflicting memory types ${fmtLx(start)}-${fmtLx(end)} ${cattrName(found)}<->${cattrName(
        t.type(culprit),
      )}`,
    );
    return { ret: -EBUSY, found };
  }

  /**
   * `reserve_ram_pages_type()` (spec 02 §8): RAM memtype lives in page flags,
   * so only WB pages can take a new type; WP is refused and strong UC is
   * downgraded to UC- with a one-time warning.
   */
  reserveRamPagesType(start: number, end: number, reqIn: CacheMode, wantNew: boolean): ReserveResult {
    let req = reqIn;
    if (req === CM.WP) return { ret: -EINVAL, newType: wantNew ? CM.UC_MINUS : undefined };
    if (req === CM.UC) {
      // We do not support strong UC on RAM.
      this.warnOnce('reserve_ram_pages_type', 'WARN_ON_ONCE in reserve_ram_pages_type');
      req = CM.UC_MINUS;
    }
    // The loops stop at end >> PAGE_SHIFT: a partial last page is not included.
    const spfn = Math.floor(start / PAGE_SIZE);
    const epfn = Math.floor(end / PAGE_SIZE);
    const bad = this.pages.firstNotWb(spfn, epfn);
    if (bad >= 0) {
      const type = this.pages.get(bad) as CacheMode;
      this.log.emit('info', `x86/PAT: reserve_ram_pages_type failed ${memRange(start, end)}, track 0x${type}, req 0x${req}`);
      return { ret: -EBUSY, newType: wantNew ? type : undefined };
    }
    this.pages.setRange(spfn, epfn, req);
    this.log.notePageFlags?.(spfn, epfn, req);
    return { ret: 0, newType: wantNew ? req : undefined };
  }

  /** `free_ram_pages_type()`: every page of the range goes back to WB, whoever set it. */
  freeRamPagesType(start: number, end: number): number {
    this.pages.setRange(Math.floor(start / PAGE_SIZE), Math.floor(end / PAGE_SIZE), CM.WB);
    this.log.notePageFlags?.(Math.floor(start / PAGE_SIZE), Math.floor(end / PAGE_SIZE), CM.WB);
    return 0;
  }

  /** `memtype_free(start, end)` (spec 02 §11). */
  memtypeFree(startIn: number | bigint, endIn: number | bigint): number {
    if (!this.config.patEnabled) return 0;
    const start = this.sanitizePhys(startIn);
    // No end - 1 here, unlike memtype_reserve: an end of 2^52 masks to 0.
    const end = this.sanitizePhys(endIn);
    if (isUntrackedPatRange(start, end)) return 0;
    const isRam = this.pagerangeIsRam(start, end);
    if (isRam === 1 && this.config.hooks.ramMemtypeStore !== 'tree') return this.freeRamPagesType(start, end);
    if (isRam < 0) return -EINVAL;
    if (!this.memtypeErase(start, end)) {
      this.log.emit('info', `x86/PAT: ${this.who()} freeing invalid memtype ${memRange(start, end)}`);
      return -EINVAL;
    }
    this.dprintk(() => `memtype_free request ${memRange(start, end)}`);
    return 0;
  }

  /**
   * `memtype_erase()` (memtype_interval.c; spec 02 §9.4): remove the first
   * exact match in tree order. Before v6.16, failing that, shrink the first
   * entry that ends at `end` but starts before `start` (the mremap case).
   */
  private memtypeErase(start: number, end: number): boolean {
    const t = this.tree;
    const exact = t.findExact(start, end);
    if (exact !== 0) {
      t.remove(exact);
      return true;
    }
    if (!this.config.flags.memtypeEraseEndMatch) return false;
    const last = end === 0 ? Number.POSITIVE_INFINITY : end - 1;
    const match = t.findOverlap(start, last, (id) => t.start(id) < end && t.start(id) < start && t.end(id) === end);
    if (match === 0) return false;
    t.reinsertWithEnd(match, start);
    return true;
  }

  /**
   * `lookup_memtype(paddr)` (spec 02 §12): WB for the ISA hole, the page flag
   * for RAM (or a range the RAM test calls mixed), else the first tree entry
   * covering the page, else UC-.
   */
  lookupMemtype(paddr: number): CacheMode {
    if (isUntrackedPatRange(paddr, paddr + PAGE_SIZE)) return CM.WB;
    const ram = this.pagerangeIsRam(paddr, paddr + PAGE_SIZE) !== 0;
    if (ram && this.config.hooks.ramMemtypeStore !== 'tree') return this.pages.get(Math.floor(paddr / PAGE_SIZE)) as CacheMode;
    const id = this.tree.firstOverlap(paddr, paddr + PAGE_SIZE - 1);
    // Unregistered RAM is write-back (its direct-map type); unregistered MMIO is UC-.
    if (id === 0) return ram ? CM.WB : CM.UC_MINUS;
    return this.tree.type(id) as CacheMode;
  }

  /**
   * What `lookup_memtype(paddr)` read to answer (spec 02 §12), for the
   * decision log: the same branches as {@link lookupMemtype}, in words.
   */
  lookupMemtypeSource(paddr: number): string {
    const pfn = `pfn 0x${Math.floor(paddr / PAGE_SIZE).toString(16)}`;
    if (isUntrackedPatRange(paddr, paddr + PAGE_SIZE)) return `${pfn}: ISA range, never tracked`;
    const ram = this.pagerangeIsRam(paddr, paddr + PAGE_SIZE) !== 0;
    if (ram && this.config.hooks.ramMemtypeStore !== 'tree') return `${pfn}: RAM page flag`;
    const id = this.tree.firstOverlap(paddr, paddr + PAGE_SIZE - 1);
    const where = ram ? 'RAM in the tree (ram-in-tree)' : 'not RAM';
    if (id === 0) return `${pfn}: ${where}, no memtype tree entry`;
    return `${pfn}: ${where}, tree entry ${memRange(this.tree.start(id), this.tree.end(id))}`;
  }



  /**
   * `lookup_memtype()` for a u64 address that may not fit a double (a caller
   * passing an unsanitized address). Every tracked range and RAM lies below
   * 2^52, so above it only the ISA test can answer, through the u64 wrap of
   * `paddr + PAGE_SIZE`; otherwise nothing covers the page and it is UC-.
   */
  lookupMemtypeU64(paddr: bigint): CacheMode {
    if (paddr < 1n << 52n) return this.lookupMemtype(Number(paddr));
    const endWrapped = Number((paddr + BigInt(PAGE_SIZE)) & U64_MASK);
    if (endWrapped <= ISA_END_ADDRESS) return CM.WB;
    return CM.UC_MINUS;
  }

  /** `pat_pfn_immune_to_uc_mtrr()`: the page is tracked as UC, UC- or WC. */
  patPfnImmuneToUcMtrr(pfn: number): boolean {
    const cm = this.lookupMemtype(pfn * PAGE_SIZE);
    return cm === CM.UC || cm === CM.UC_MINUS || cm === CM.WC;
  }
}
