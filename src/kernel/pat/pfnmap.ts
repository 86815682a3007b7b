/**
 * PAT hooks for user PFN mappings (arch/x86/mm/pat/memtype.c; spec 02 §16,
 * 04 §1–§3, §12): `pfnmap_setup_cachemode(_pfn)`, `pfnmap_track`,
 * `pfnmap_untrack` (v6.16+), and the ≤ v6.15 names `track_pfn_insert`,
 * `track_pfn_remap`, `track_pfn_copy`, `untrack_pfn`, which share the same
 * core (`reserve_pfn_range`, `free_pfn_range`).
 *
 * A pgprot is a number holding the 4 KiB-layout PTE bits (only the cache bits
 * matter here); the functions return the possibly rewritten pgprot.
 */

import { cacheModeShort, cattrName, type CacheMode } from '../../hw/cache-mode.js';
import type { CacheModeTables } from '../../hw/pte.js';
import { EINVAL } from '../errno.js';
import { memRange } from '../printk.js';
import { isNewMemtypeAllowed, type Memtype } from './memtype.js';
import { PAGE_SIZE } from '../../hw/page.js';


export interface ProtResult {
  ret: number;
  prot: number;
}

/**
 * `pfnmap_setup_cachemode(pfn, size, prot)` (v6.16+; `track_pfn_insert` and
 * the per-page part of `track_pfn_remap` before): the mode the memtype code
 * has recorded for the pages replaces whatever cache bits the caller asked
 * for. All pages must agree, else -EINVAL with the prot untouched. With PAT
 * disabled the prot is left alone.
 */
export function pfnmapSetupCachemode(mt: Memtype, tables: CacheModeTables, pfn: number, size: number, prot: number): ProtResult {
  const fn = size === PAGE_SIZE ? 'pfnmap_setup_cachemode_pfn' : 'pfnmap_setup_cachemode';
  if (!mt.config.patEnabled) {
    mt.log.chain?.push({ fn, read: 'pat_enabled() is false', result: "caller's prot kept" });
    return { ret: 0, prot };
  }
  const hook = mt.config.hooks.pfnmapSetupCachemode;
  return hook ? hook(mt, tables, pfn, size, prot) : pfnmapLookup(mt, tables, pfn, size, prot);
}

/**
 * The kernel's own decision of `pfnmap_setup_cachemode` once PAT is
 * enabled: `lookup_memtype` of every page (one type, or -EINVAL) overrides
 * the caller's cache bits. Designs that keep the lookup in some cases call it.
 */
export function pfnmapLookup(mt: Memtype, tables: CacheModeTables, pfn: number, size: number, prot: number): ProtResult {
  const fn = size === PAGE_SIZE ? 'pfnmap_setup_cachemode_pfn' : 'pfnmap_setup_cachemode';
  const pcm = mt.lookupMemtype(pfn * PAGE_SIZE);
  mt.log.chain?.push({ fn: `${fn} -> lookup_memtype`, read: mt.lookupMemtypeSource(pfn * PAGE_SIZE), result: cacheModeShort(pcm) });
  const npages = Math.ceil(size / PAGE_SIZE);
  for (let i = 1; i < npages; i++)
    if (mt.lookupMemtype((pfn + i) * PAGE_SIZE) !== pcm) {
      mt.log.chain?.push({ fn, read: `page ${i} of ${npages} has another memtype`, result: '-EINVAL, prot untouched' });
      return { ret: -EINVAL, prot };
    }
  return { ret: 0, prot: pgprotSetCachemode(mt, tables, prot, pcm) };
}

/**
 * `pgprot_set_cachemode(prot, pcm)` as the PAT hooks use it (spec 02 §3.2):
 * clear the cache bits, set the mode's; hook `pgprotSetCachemode` (3b:
 * a no-op for WB, for every caller of the helper).
 */
export function pgprotSetCachemode(mt: Memtype, tables: CacheModeTables, prot: number, pcm: CacheMode): number {
  const hook = mt.config.hooks.pgprotSetCachemode;
  return hook ? hook(mt, tables, prot, pcm) : pgprotSetCachemodeKernel(mt, tables, prot, pcm);
}

/** The kernel's own `pgprot_set_cachemode`: clear the cache bits, set the mode's. */
export function pgprotSetCachemodeKernel(mt: Memtype, tables: CacheModeTables, prot: number, pcm: CacheMode): number {
  mt.log.chain?.push({ fn: 'pgprot_set_cachemode', read: `mode ${cacheModeShort(pcm)}`, result: `pgprot becomes ${cacheModeShort(pcm)}` });
  return tables.pgprotSetCachemode(prot, pcm);
}

/** `pfnmap_setup_cachemode_pfn(pfn, prot)`: the one-page form used by `vmf_insert_pfn_prot()`. */
export function pfnmapSetupCachemodePfn(mt: Memtype, tables: CacheModeTables, pfn: number, prot: number): number {
  return pfnmapSetupCachemode(mt, tables, pfn, PAGE_SIZE, prot).prot;
}

/**
 * `reserve_pfn_range(paddr, size, prot, strict_prot)` (spec 02 §16): RAM (or
 * a mixed range) is never reserved, only compared with the first page's
 * recorded type; other ranges get a tree reservation whose granted type
 * replaces the request unless `is_new_memtype_allowed()` refuses it (or
 * `strict_prot`, the fork copy before v6.16, refuses any change).
 */
export function reservePfnRange(
  mt: Memtype,
  tables: CacheModeTables,
  paddr: number,
  size: number,
  protIn: number,
  strictProt: boolean,
): ProtResult {
  let prot = protIn;
  const want = tables.pgprot2cachemode(prot);
  const who = `${mt.ctx.current.comm}:${mt.ctx.current.pid}`;
  const isRam = mt.pagerangeIsRam(paddr, paddr + size);
  if (isRam !== 0) {
    if (!mt.config.patEnabled) return { ret: 0, prot };
    const pcm = mt.lookupMemtype(paddr);
    mt.log.chain?.push({ fn: 'reserve_pfn_range -> lookup_memtype', read: `RAM, not reserved; ${mt.lookupMemtypeSource(paddr)}`, result: cacheModeShort(pcm) });
    if (want !== pcm) {
      mt.log.emit('warn', `x86/PAT: ${who} map pfn RAM range req ${cattrName(want)} for ${memRange(paddr, paddr + size)}, got ${cattrName(pcm)}`);
      prot = pgprotSetCachemode(mt, tables, prot, pcm);
    }
    return { ret: 0, prot };
  }
  const r = mt.memtypeReserve(paddr, paddr + size, want, true);
  mt.log.chain?.push({ fn: 'reserve_pfn_range -> memtype_reserve', read: `req ${cacheModeShort(want)} for ${memRange(paddr, paddr + size)}`, result: r.ret ? `error ${r.ret}` : `got ${cacheModeShort(r.newType!)}` });
  if (r.ret) return { ret: r.ret, prot };
  const pcm = r.newType as CacheMode;
  if (pcm !== want) {
    if (strictProt || !isNewMemtypeAllowed(paddr, size, want, pcm)) {
      mt.log.chain?.push({ fn: strictProt ? 'reserve_pfn_range (strict_prot)' : 'is_new_memtype_allowed', read: `req ${cacheModeShort(want)}, got ${cacheModeShort(pcm)}`, result: 'refused: -EINVAL' });
      mt.memtypeFree(paddr, paddr + size);
      mt.log.emit('err', `x86/PAT: ${who} map pfn expected mapping type ${cattrName(want)} for ${memRange(paddr, paddr + size)}, got ${cattrName(pcm)}`);
      return { ret: -EINVAL, prot };
    }
    prot = pgprotSetCachemode(mt, tables, prot, pcm);
  }
  if (mt.kernelMapSync(paddr, size, pcm) < 0) {
    mt.memtypeFree(paddr, paddr + size);
    return { ret: -EINVAL, prot };
  }
  return { ret: 0, prot };
}

/** `free_pfn_range(paddr, size)`: only non-RAM ranges were reserved, so only they are freed. */
export function freePfnRange(mt: Memtype, paddr: number, size: number): void {
  if (mt.pagerangeIsRam(paddr, paddr + size) === 0) mt.memtypeFree(paddr, paddr + size);
}

/** `pfnmap_track(pfn, size, prot)` (v6.16+): reserve for a whole-VMA `remap_pfn_range()`. */
export function pfnmapTrack(mt: Memtype, tables: CacheModeTables, pfn: number, size: number, prot: number): ProtResult {
  return reservePfnRange(mt, tables, pfn * PAGE_SIZE, size, prot, false);
}

/** `pfnmap_untrack(pfn, size)` (v6.16+). */
export function pfnmapUntrack(mt: Memtype, pfn: number, size: number): void {
  freePfnRange(mt, pfn * PAGE_SIZE, size);
}
