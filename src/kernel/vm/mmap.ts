/**
 * A driver-style `mmap()`: `do_mmap` → `get_unmapped_area` → `mmap_region`
 * → the driver's `->mmap(file, vma)` (spec 04 §3, §8, §9, §10). The VMA gets
 * the flags userspace asked for (`MAP_SHARED`, `PROT_*`) and whatever the
 * driver sets; a failing `->mmap` unmaps and frees the new VMA.
 */

import { CM, type CacheMode } from '../../hw/cache-mode.js';
import { EINVAL, ENOMEM } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ, VM_SHARED, VM_WRITE, vmGetPageProt } from './flags.js';
import { removeVmas } from './lifecycle.js';
import { vmState, type MmStruct } from './mm.js';
import { Vma, type VmFile } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


export interface MmapRequest {
  /** Length in bytes (rounded up to pages). */
  len: number;
  /** `MAP_SHARED` (default) or `MAP_PRIVATE`. */
  shared?: boolean;
  /** `PROT_READ` (default true), `PROT_WRITE` (default true). */
  read?: boolean;
  write?: boolean;
  /** The file was opened for writing (`VM_MAYWRITE`; default true). */
  maywrite?: boolean;
  /** `VM_*` flags the driver's `->mmap` sets (VM_PFNMAP, VM_IO, VM_MIXEDMAP, VM_DONTCOPY...). */
  driverFlags?: number;
  /** Cache mode the driver gives `vm_page_prot` (`pgprot_writecombine` etc. on the WB default). */
  cacheMode?: CacheMode;
  /** `vm_pgoff` (the mmap offset in pages). */
  pgoff?: number;
  /** The file mapped; a new anonymous driver file when absent. */
  file?: VmFile | null;
  /** Fixed address (`MAP_FIXED_NOREPLACE`); allocated top-down when absent. */
  addr?: number;
  /** The driver's `->mmap`: 0 or a negative errno. Runs with the VMA already in the mm. */
  driverMmap?: (vma: Vma) => number;
}

export interface MmapResult {
  ret: number;
  vma: Vma | null;
}

/** `do_mmap()` of a driver file into `mm` (spec 04 §8). */
export function doMmap(k: MmContext, mm: MmStruct, req: MmapRequest): MmapResult {
  const len = Math.ceil(req.len / PAGE_SIZE) * PAGE_SIZE;
  if (len <= 0) return { ret: -EINVAL, vma: null };
  let addr: number;
  if (req.addr !== undefined) {
    if (req.addr % PAGE_SIZE || !mm.isFree(req.addr, req.addr + len)) return { ret: -EINVAL, vma: null };
    addr = req.addr;
  } else {
    addr = mm.getUnmappedArea(len);
    if (addr < 0) return { ret: -ENOMEM, vma: null };
  }
  let flags = 0;
  if (req.read ?? true) flags |= VM_READ;
  if (req.write ?? true) flags |= VM_WRITE;
  flags |= VM_MAYREAD;
  if (req.maywrite ?? true) flags |= VM_MAYWRITE;
  if (req.shared ?? true) flags |= VM_SHARED | VM_MAYSHARE;
  if (flags & VM_WRITE && !(flags & VM_MAYWRITE)) return { ret: -EINVAL, vma: null };
  flags |= req.driverFlags ?? 0;
  const prot = k.tables.pgprotSetCachemode(vmGetPageProt(flags), req.cacheMode ?? CM.WB);
  const file = req.file === undefined ? vmState(k).newFile('driver') : req.file;
  const vma = new Vma(mm, addr, addr + len, flags, prot, req.pgoff ?? 0, file);
  mm.insertVma(vma);
  if (req.driverMmap) {
    const ret = req.driverMmap(vma);
    if (ret) {
      removeVmas(k, mm, [vma]);
      return { ret, vma: null };
    }
  }
  return { ret: 0, vma };
}
