/**
 * Cache modes (Linux's `enum page_cache_mode`) and hardware memory types.
 *
 * Two vocabularies exist and must not be mixed up (spec 01 §1, 02 §1):
 * - a *cache mode* is what Linux asks for and records (WB, WC, UC-, UC, WT, WP),
 *   numbered as the kernel numbers them, because some messages print the number;
 * - a *memory type* is what the hardware encodes in a PAT entry or an MTRR
 *   (UC=0, WC=1, WT=4, WP=5, WB=6, UC-=7 in the PAT; UC- does not exist in MTRRs).
 */

/** `enum page_cache_mode` values (arch/x86/include/asm/pgtable_types.h). */
export const CM = {
  WB: 0,
  WC: 1,
  UC_MINUS: 2,
  UC: 3,
  WT: 4,
  WP: 5,
} as const;
export type CacheMode = (typeof CM)[keyof typeof CM];

/** All cache modes in numeric order. */
export const CACHE_MODES: readonly CacheMode[] = [CM.WB, CM.WC, CM.UC_MINUS, CM.UC, CM.WT, CM.WP];

/** `cattr_name()`'s names, in `enum page_cache_mode` order. */
export const CATTR_NAMES = [
  'write-back',
  'write-combining',
  'uncached-minus',
  'uncached',
  'write-through',
  'write-protected',
] as const;
export type CattrName = (typeof CATTR_NAMES)[number];

/** `cattr_name()` (arch/x86/mm/pat/memtype.h); spec 02 §1. */
export function cattrName(cm: number): string {
  return cm >= 0 && cm < CATTR_NAMES.length ? CATTR_NAMES[cm]! : 'broken';
}

/** Inverse of {@link cattrName}; undefined for an unknown name. */
export function cacheModeFromName(name: string): CacheMode | undefined {
  const i = (CATTR_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : (i as CacheMode);
}

const SHORT_NAMES = ['WB', 'WC', 'UC-', 'UC', 'WT', 'WP'] as const;

/**
 * Any spelling of a cache mode a scenario may use: `cattr_name()`'s
 * (`write-combining`) or the short one (`WC`, any case).
 */
export function cacheModeFromAnyName(name: string): CacheMode | undefined {
  const i = SHORT_NAMES.indexOf(name.toUpperCase() as (typeof SHORT_NAMES)[number]);
  return i >= 0 ? (i as CacheMode) : cacheModeFromName(name.toLowerCase());
}

/** Short names used in tables and the PAT configuration line. */
export function cacheModeShort(cm: CacheMode): string {
  return SHORT_NAMES[cm]!;
}

/**
 * Hardware memory-type encodings (SDM Vol. 3A Table 11-10 / 11-12; spec 01 §1).
 * The same numbers are Linux's `MTRR_TYPE_*`; UC- (7) is PAT-only.
 */
export const MT = {
  UC: 0,
  WC: 1,
  WT: 4,
  WP: 5,
  WB: 6,
  UC_MINUS: 7,
} as const;
export type MemType = (typeof MT)[keyof typeof MT];

/** Linux's marker for "no type" (`MTRR_TYPE_INVALID`). */
export const MTRR_TYPE_INVALID = 0xff;

/** An MTRR type: a memory type other than UC-. */
export type MtrrType = Exclude<MemType, 7>;

/** Lower-case short MTRR names used by memtype-trace v1 (FORMAT §1), in type order. */
export const MTRR_SHORT_NAMES = ['uc', 'wc', 'wt', 'wp', 'wb'] as const;
const MTRR_SHORT_TYPES: readonly MtrrType[] = [MT.UC, MT.WC, MT.WT, MT.WP, MT.WB];

/** The short name of MTRR type `t` (`invalid` for MTRR_TYPE_INVALID). */
export function mtrrShortName(t: number): string {
  if (t === MTRR_TYPE_INVALID) return 'invalid';
  const i = MTRR_SHORT_TYPES.indexOf(t as MtrrType);
  return i < 0 ? '?' : MTRR_SHORT_NAMES[i]!;
}

/** Parse a memtype-trace MTRR type name (`uc`, `wc`, `wt`, `wp`, `wb`). */
export function mtrrTypeFromShortName(name: string): MtrrType | undefined {
  const i = (MTRR_SHORT_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? undefined : MTRR_SHORT_TYPES[i];
}

/** `mtrr_attrib_to_str()` (arch/x86/kernel/cpu/mtrr/mtrr.c); spec 01 §1. */
export function mtrrAttribToStr(t: number): string {
  switch (t) {
    case 0:
      return 'uncachable';
    case 1:
      return 'write-combining';
    case 4:
      return 'write-through';
    case 5:
      return 'write-protect';
    case 6:
      return 'write-back';
    default:
      return '?';
  }
}

/** Short upper-case name of a hardware memory type (UC, WC, WT, WP, WB, UC-). */
export function memTypeShort(t: MemType): string {
  return t === MT.UC_MINUS ? 'UC-' : ({ 0: 'UC', 1: 'WC', 4: 'WT', 5: 'WP', 6: 'WB' } as Record<number, string>)[t]!;
}

/** The cache mode Linux derives from a PAT entry's memory type (`pat_get_cache_mode`). */
export function memTypeToCacheMode(t: MemType): CacheMode {
  switch (t) {
    case MT.UC:
      return CM.UC;
    case MT.WC:
      return CM.WC;
    case MT.WT:
      return CM.WT;
    case MT.WP:
      return CM.WP;
    case MT.WB:
      return CM.WB;
    case MT.UC_MINUS:
      return CM.UC_MINUS;
  }
}
