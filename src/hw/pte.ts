/**
 * Cache-related bits of x86 paging entries (spec 01 §2.1) and Linux's cache mode <-> PTE
 * bit translation tables (arch/x86/mm/init.c, pgtable_types.h; spec 02 §3).
 *
 * PTE values are plain JS numbers holding only the low bits of an entry. Every cache bit is
 * below bit 13, so values must be non-negative integers < 2^31: the bitwise operators used
 * here work on 32-bit signed integers and would mangle anything larger (e.g. NX, bit 63, is
 * deliberately not representable).
 */

import { CM, type CacheMode, type MemType, memTypeToCacheMode } from './cache-mode.js';
import { assertPatLayout, patType } from './pat-msr.js';

/** `_PAGE_BIT_PWT` / `_PAGE_PWT`: page write-through, bit 3 at every level. */
export const PAGE_BIT_PWT = 3;
export const PAGE_PWT = 1 << PAGE_BIT_PWT;
/** `_PAGE_BIT_PCD` / `_PAGE_PCD`: page cache disable, bit 4 at every level. */
export const PAGE_BIT_PCD = 4;
export const PAGE_PCD = 1 << PAGE_BIT_PCD;
/** `_PAGE_BIT_PAT` / `_PAGE_PAT`: PAT bit of a 4 KiB PTE, bit 7. */
export const PAGE_BIT_PAT = 7;
export const PAGE_PAT = 1 << PAGE_BIT_PAT;
/** `_PAGE_BIT_PSE` / `_PAGE_PSE`: page-size bit of a PDE/PDPTE, also bit 7. */
export const PAGE_BIT_PSE = 7;
export const PAGE_PSE = 1 << PAGE_BIT_PSE;
/** `_PAGE_BIT_PAT_LARGE` / `_PAGE_PAT_LARGE`: PAT bit of a 2 MiB / 1 GiB leaf, bit 12. */
export const PAGE_BIT_PAT_LARGE = 12;
export const PAGE_PAT_LARGE = 1 << PAGE_BIT_PAT_LARGE;
/** `_PAGE_CACHE_MASK`: the cache bits in the 4 KiB layout (PWT | PCD | PAT). */
export const PAGE_CACHE_MASK = PAGE_PWT | PAGE_PCD | PAGE_PAT;

/** Level of a leaf entry: `4k` is a PTE; `2m`, `1g` and the generic `large` are PS=1 leaves. */
export type PteLevel = '4k' | '2m' | '1g' | 'large';

/** True for leaf levels whose PAT bit is bit 12 (spec 01 §2.1). */
export function isLargeLevel(level: PteLevel): boolean {
  return level !== '4k';
}

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0x7fffffff) {
    throw new RangeError(`PTE bits must be an integer in [0, 2^31): ${bits}`);
  }
}

/**
 * Hardware PAT index of a leaf entry: PAT*4 + PCD*2 + PWT, with PAT read from bit 7 of a
 * 4 KiB PTE and bit 12 of a large leaf, where bit 7 is PS (SDM §11.12.3 Table 11-11;
 * spec 01 §2.1, §7).
 */
export function patIndex(bits: number, level: PteLevel): number {
  checkBits(bits);
  const patBit = isLargeLevel(level) ? PAGE_BIT_PAT_LARGE : PAGE_BIT_PAT;
  return (((bits >> patBit) & 1) << 2) | (((bits >> PAGE_BIT_PCD) & 1) << 1) | ((bits >> PAGE_BIT_PWT) & 1);
}

/** 4 KiB-layout cache bits selecting PAT index `idx` (`__cm_idx2pte`; spec 02 §3). */
export function patIndexToBits(idx: number): number {
  if (!Number.isInteger(idx) || idx < 0 || idx > 7) throw new RangeError(`PAT index ${idx} not in 0..7`);
  return (idx & 4 ? PAGE_PAT : 0) | (idx & 2 ? PAGE_PCD : 0) | (idx & 1 ? PAGE_PWT : 0);
}

/**
 * `protval_4k_2_large()` (pgtable_types.h; spec 02 §3.2): clear bits 7 and 12, then move the
 * old bit 7 (PAT) into bit 12. Bit 7 ends up clear; the caller sets PSE itself.
 */
export function protval4kToLarge(bits: number): number {
  checkBits(bits);
  return (bits & ~(PAGE_PAT | PAGE_PAT_LARGE)) | ((bits & PAGE_PAT) << (PAGE_BIT_PAT_LARGE - PAGE_BIT_PAT));
}

/**
 * `protval_large_2_4k()` (pgtable_types.h; spec 02 §3.2): clear bits 7 and 12, then move the
 * old bit 12 (PAT_LARGE) into bit 7. The PSE bit of the input is dropped as a result.
 */
export function protvalLargeTo4k(bits: number): number {
  checkBits(bits);
  return (bits & ~(PAGE_PAT | PAGE_PAT_LARGE)) | ((bits & PAGE_PAT_LARGE) >> (PAGE_BIT_PAT_LARGE - PAGE_BIT_PAT));
}

/** Values before PAT init, also the fallback for modes absent from the PAT (spec 02 §3.1). */
const DEFAULT_CM2PTE: readonly number[] = [
  0, // WB
  PAGE_PCD, // WC
  PAGE_PCD, // UC-
  PAGE_PCD | PAGE_PWT, // UC
  PAGE_PCD, // WT
  PAGE_PCD, // WP
];
const DEFAULT_PTE2CM: readonly CacheMode[] = [CM.WB, CM.UC_MINUS, CM.UC_MINUS, CM.UC, CM.WB, CM.UC_MINUS, CM.UC_MINUS, CM.UC];

/**
 * Linux's `__cachemode2pte_tbl` / `__pte2cachemode_tbl` and the functions reading them
 * (arch/x86/mm/init.c; spec 02 §3). Immutable: build one per PAT layout.
 */
export class CacheModeTables {
  private readonly cm2pte: readonly number[];
  private readonly pte2cm: readonly CacheMode[];
  /** The PAT value the tables were built from; `null` for the pre-init defaults. */
  readonly msr: bigint | null;

  private constructor(cm2pte: readonly number[], pte2cm: readonly CacheMode[], msr: bigint | null) {
    this.cm2pte = Object.freeze([...cm2pte]);
    this.pte2cm = Object.freeze([...pte2cm]);
    this.msr = msr;
  }

  /** The tables as initialised statically, before PAT init runs (spec 02 §3.1). */
  static defaults(): CacheModeTables {
    return new CacheModeTables(DEFAULT_CM2PTE, DEFAULT_PTE2CM, null);
  }

  /**
   * `init_cache_modes()` / `update_cache_mode_entry()` (arch/x86/mm/init.c, memtype.c;
   * spec 02 §3.1): visit PAT slots 7 down to 0 so the lowest slot holding a mode wins its
   * `cm2pte` entry; modes absent from the PAT keep the default bits. Throws
   * `PatLayoutError` if slot 0 is not WB (the kernel BUGs there).
   */
  static fromMsr(msr: bigint): CacheModeTables {
    assertPatLayout(msr);
    const cm2pte = [...DEFAULT_CM2PTE];
    const pte2cm = [...DEFAULT_PTE2CM];
    for (let i = 7; i >= 0; i--) {
      const cm = memTypeToCacheMode(patType(msr, i));
      pte2cm[i] = cm;
      cm2pte[cm] = patIndexToBits(i);
    }
    return new CacheModeTables(cm2pte, pte2cm, msr);
  }

  /** `cm2pte[mode]` as 4 KiB-layout bits (copy). */
  cm2pteTable(): number[] {
    return [...this.cm2pte];
  }

  /** `pte2cm[0..7]` (copy). */
  pte2cmTable(): CacheMode[] {
    return [...this.pte2cm];
  }

  /**
   * `cachemode2protval()` (pgtable_types.h / init.c; spec 02 §3.2): 4 KiB-layout bits for
   * `cm`; WB is hard-wired to 0.
   */
  cachemode2protval(cm: CacheMode): number {
    if (cm === CM.WB) return 0;
    const v = this.cm2pte[cm];
    if (v === undefined) throw new RangeError(`not a cache mode: ${cm}`);
    return v;
  }

  /** PAT index the kernel uses for `cm` (`__pte2cm_idx(cachemode2protval(cm))`). */
  cachemodeIndex(cm: CacheMode): number {
    return patIndex(this.cachemode2protval(cm), '4k');
  }

  /**
   * `pgprot2cachemode()` (pgtable_types.h / init.c; spec 02 §3.2): WB if no cache bit is
   * set, else `pte2cm[idx]`. Always reads the 4 KiB layout (convert large values first).
   */
  pgprot2cachemode(bits: number): CacheMode {
    checkBits(bits);
    if ((bits & PAGE_CACHE_MASK) === 0) return CM.WB;
    return this.pte2cm[patIndex(bits, '4k')]!;
  }

  /** Cache mode of a leaf at `level`, converting a large leaf to the 4 KiB layout first (spec 02 §3.2). */
  leafCachemode(bits: number, level: PteLevel): CacheMode {
    return this.pgprot2cachemode(isLargeLevel(level) ? protvalLargeTo4k(bits) : bits);
  }

  /**
   * `pgprot_set_cachemode()` (spec 02 §3.2): clear bits 3, 4, 7 then OR in
   * `cachemode2protval(cm)`. 4 KiB layout.
   */
  pgprotSetCachemode(prot: number, cm: CacheMode): number {
    checkBits(prot);
    return (prot & ~PAGE_CACHE_MASK) | this.cachemode2protval(cm);
  }

  /** `pgprot_writecombine()` (spec 02 §3.2): ORs the WC bits without clearing — correct only on WB input. */
  pgprotWritecombine(prot: number): number {
    checkBits(prot);
    return prot | this.cachemode2protval(CM.WC);
  }

  /** `pgprot_writethrough()` (spec 02 §3.2): ORs the WT bits without clearing — correct only on WB input. */
  pgprotWritethrough(prot: number): number {
    checkBits(prot);
    return prot | this.cachemode2protval(CM.WT);
  }

  /**
   * `pgprot_noncached()` (spec 04 §0 OR-in helpers): ORs the UC- bits without clearing (the
   * kernel's "CPU family > 3" condition is assumed true).
   */
  pgprotNoncached(prot: number): number {
    checkBits(prot);
    return prot | this.cachemode2protval(CM.UC_MINUS);
  }

  /**
   * `x86_has_pat_wp()` (arch/x86/mm/init.c; spec 02 §3.2): true iff the bits Linux writes for
   * WP really select a WP entry, i.e. the PAT contains WP.
   */
  x86HasPatWp(): boolean {
    return this.pte2cm[patIndex(this.cm2pte[CM.WP]!, '4k')] === CM.WP;
  }

  /**
   * The cache mode actually obtained when `cm` is requested: the mode the written bits select.
   * Differs from `cm` when the mode is absent from the PAT (spec 02 §3.1, §3.2 last bullet).
   */
  realizedCachemode(cm: CacheMode): CacheMode {
    return this.pgprot2cachemode(this.cachemode2protval(cm));
  }
}

/** The memory type the hardware applies for `bits` at `level` under PAT `msr` (spec 01 §2.1, §7). */
export function hwPatTypeOf(msr: bigint, bits: number, level: PteLevel): MemType {
  return patType(msr, patIndex(bits, level));
}
