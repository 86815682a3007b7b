/**
 * `struct io_mapping` (include/linux/io-mapping.h) for write-combining BAR
 * apertures, as drivers such as i915 and ttm use it.
 *
 * 32-bit (HAVE_ATOMIC_IOMAP, arch/x86/mm/iomap_32.c): `io_mapping_create_wc`
 * only reserves the range (`iomap_create_wc` → `memtype_reserve_io(WC)`) and
 * keeps the prot `__PAGE_KERNEL | cachemode2protval(granted mode)`; each
 * `io_mapping_map_local_wc` then maps one page through a kmap_local fixmap
 * slot (`__iomap_local_pfn_prot`), with PAT off any non-WB prot turned into
 * UC-. x86-64: `io_mapping_create_wc` is an `ioremap_wc` of the whole range
 * and mapping a page is pointer arithmetic into it.
 */

import { CM, type CacheMode } from '../../hw/cache-mode.js';
import { EINVAL } from '../errno.js';
import { ioremapWc, iounmap, memtypeReserveIo } from './ioremap.js';
import type { MmContext } from './mm-context.js';
import { PAGE_SIZE } from '../../hw/page.js';

/** __PAGE_KERNEL's non-cache bits (present, rw, accessed, dirty, global), as PAGE_KERNEL_IO in ioremap.ts. */
const PAGE_KERNEL_FULL = 0x1 | 0x2 | 0x20 | 0x40 | 0x100;

export interface IoMapping {
  base: number;
  size: number;
  /** 4 KiB-layout PTE bits the per-page mappings get (32-bit), or the WC prot (x86-64). */
  prot: number;
  /** The mode granted by the reservation (32-bit) or the ioremap (x86-64). */
  pcm: CacheMode;
  /** x86-64: the ioremap_wc address of `base`. */
  iomem?: number;
}

/** `is_io_mapping_possible()`: non-PAE 32-bit cannot map above 4 GiB (with a 64-bit phys_addr_t). */
function ioMappingPossible(k: MmContext, base: number, size: number): boolean {
  return !(k.machine.arch === 'x86-32' && base + size > 2 ** 32);
}

/** `iomap_create_wc(base, size, &prot)` (32-bit): reserve WC through memtype_reserve_io; the prot for the granted mode. */
export function iomapCreateWc(k: MmContext, base: number, size: number): { ret: number; prot: number; pcm: CacheMode } {
  if (!ioMappingPossible(k, base, size)) return { ret: -EINVAL, prot: 0, pcm: CM.WC };
  const r = memtypeReserveIo(k, base, base + size, CM.WC);
  if (r.ret) return { ret: r.ret, prot: 0, pcm: CM.WC };
  return { ret: 0, prot: PAGE_KERNEL_FULL | k.tables.cachemode2protval(r.type), pcm: r.type };
}

/** `io_mapping_create_wc(base, size)`: the mapping, or an errno (32-bit `iomap_create_wc`) / null (NULL). */
export function ioMappingCreateWc(k: MmContext, base: number, size: number): { map: IoMapping | null; ret: number } {
  if (k.is64) {
    const r = ioremapWc(k, base, size);
    if (r.vaddr === null) return { map: null, ret: 0 };
    return { map: { base, size, prot: PAGE_KERNEL_FULL | k.tables.cachemode2protval(CM.WC), pcm: r.pcm!, iomem: r.vaddr }, ret: 0 };
  }
  const r = iomapCreateWc(k, base, size);
  if (r.ret) return { map: null, ret: r.ret };
  return { map: { base, size, prot: r.prot, pcm: r.pcm }, ret: 0 };
}

/** `io_mapping_free()`: `iomap_free` = `memtype_free_io` (32-bit), `iounmap` (x86-64). */
export function ioMappingFree(k: MmContext, m: IoMapping): void {
  if (m.iomem !== undefined) iounmap(k, m.iomem);
  else k.memtype.memtypeFree(m.base, m.base + m.size);
}

/**
 * `__iomap_local_pfn_prot(pfn, prot)` (iomap_32.c): without PAT a non-WB prot
 * becomes UC- ("WC if the MTRR is WC, UC if you can't do that"), then a
 * kmap_local fixmap slot maps the pfn. Null when there are no fixmap kmap
 * slots (a kernel without HIGHMEM, not modelled).
 */
export function iomapLocalPfnProt(k: MmContext, pfn: number, prot: number): number | null {
  let bits = prot;
  if (!k.patEnabled && k.tables.pgprot2cachemode(prot) !== CM.WB) bits = PAGE_KERNEL_FULL | k.tables.cachemode2protval(CM.UC_MINUS);
  const va = k.highmem.kmapLocalPfnProt(pfn, bits);
  // The caller's prot against what the slot got (UC- for WC without PAT): the changed-pages check reads it.
  if (va !== null) k.log.events.push({ kind: 'map', step: k.log.step, call: '__iomap_local_pfn_prot', space: 'kmap', pfn, npages: 1, requested: k.tables.pgprot2cachemode(prot), installed: k.tables.pgprot2cachemode(bits) });
  return va;
}

/**
 * `io_mapping_map_local_wc(mapping, offset)`: the page at `offset`
 * (BUG_ON(offset >= size) is an error of the caller, refused here by returning null).
 */
export function ioMappingMapLocalWc(k: MmContext, m: IoMapping, offset: number): number | null {
  if (offset >= m.size) return null;
  if (m.iomem !== undefined) return m.iomem + offset;
  const va = iomapLocalPfnProt(k, Math.floor((m.base + offset) / PAGE_SIZE), m.prot);
  return va === null ? null : va + ((m.base + offset) % PAGE_SIZE);
}
