/**
 * `/dev/mem` mmap on x86 with PAT (drivers/char/mem.c `mmap_mem`,
 * arch/x86/mm/init.c `devmem_is_allowed`, arch/x86/mm/pat/memtype.c
 * `phys_mem_access_prot_allowed`; spec 04 §9).
 *
 * The caller is assumed to hold `CAP_SYS_RAWIO` and the kernel not to be
 * locked down. The mapping asks for WB, or UC- when the file was opened with
 * `O_DSYNC`/`O_SYNC`, and is always a whole-VMA (tracked) remap whose
 * failure mmap reports as -EAGAIN.
 */

import { CM } from '../../hw/cache-mode.js';
import { EINVAL } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { EAGAIN, EPERM } from './errnos.js';
import { iomemIsExclusive, pageIntersectsSystemRam } from './iomem.js';
import { vmState, type MmStruct } from './mm.js';
import { doMmap, type MmapResult } from './mmap.js';
import { patSetCachemode } from './pat-glue.js';
import { remapPfnRange } from './remap.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/**
 * x86 `devmem_is_allowed(pfn)` (spec 04 §9): 0 deny, 1 allow, 2 allow but
 * `read()` sees zeros. RAM is denied above the first MiB; so is an
 * exclusive iomem resource.
 */
export function devmemIsAllowed(k: MmContext, pfn: number): 0 | 1 | 2 {
  if (pageIntersectsSystemRam(k, pfn)) return pfn < 256 ? 2 : 0;
  if (iomemIsExclusive(k, pfn * PAGE_SIZE)) return pfn < 256 ? 1 : 0;
  return 1;
}

/** Every page of `[pfn, pfn + npages)` has a non-zero `devmem_is_allowed`. */
function allAllowed(k: MmContext, pfn: number, npages: number): boolean {
  for (let i = 0; i < npages; i++) if (!devmemIsAllowed(k, pfn + i)) return false;
  return true;
}

/**
 * `mmap_mem` / `mmap_mem_prepare` (spec 04 §9 steps 1–8) as the driver
 * `->mmap` of `/dev/mem`.
 */
export function mmapMem(k: MmContext, vma: Vma, oDsync: boolean): number {
  const size = vma.end - vma.start;
  const offset = vma.pgoff * PAGE_SIZE;
  const strict = k.machine.config.strictDevmem;
  // valid_mmap_phys_addr_range(): the last byte must be below MAXPHYADDR.
  if (offset + size - 1 >= 2 ** k.machine.cpu.physAddrBits) return -EINVAL;
  if (strict && !allAllowed(k, vma.pgoff, vma.pages)) return -EPERM;
  // phys_mem_access_prot_allowed(): the non-STRICT build repeats the check "to avoid cache aliasing".
  if (!strict && k.patEnabled && !allAllowed(k, vma.pgoff, vma.pages)) return -EINVAL;
  vma.pageProt = patSetCachemode(k, vma.pageProt, oDsync ? CM.UC_MINUS : CM.WB);
  const err = remapPfnRange(k, vma, vma.start, vma.pgoff, size, vma.pageProt, 'mmap_mem');
  return err ? -EAGAIN : 0;
}

/** `mmap(fd of /dev/mem, offset = phys, len)`: a shared mapping of physical memory. */
export function devmemMmap(k: MmContext, mm: MmStruct, phys: number, len: number, oDsync: boolean, write = true): MmapResult {
  if (phys % PAGE_SIZE) return { ret: -EINVAL, vma: null };
  return doMmap(k, mm, { len, pgoff: phys / PAGE_SIZE, write, file: vmState(k).fileNamed('/dev/mem'), driverMmap: (vma) => mmapMem(k, vma, oDsync) });
}
