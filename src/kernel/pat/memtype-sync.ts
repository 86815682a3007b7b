/**
 * `memtype_kernel_map_sync(base, size, pcm)` (arch/x86/mm/pat/memtype.c;
 * spec 02 §13): keep the direct map's attribute in step with a new
 * reservation of RAM, through `ioremap_change_attr` (spec 03 §3.1). Wired as
 * `Memtype.kernelMapSync` at boot.
 */

import { cattrName, type CacheMode } from '../../hw/cache-mode.js';
import { EINVAL } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { ioremapChangeAttr } from '../mm/set-memory.js';
import { memRange } from '../printk.js';

export function memtypeKernelMapSync(k: MmContext, base: number, size: number, pcm: CacheMode): number {
  // __pa(high_memory - 1): the last direct-mapped byte (x86-32: end of lowmem).
  const lastMapped = k.highMemoryPfn * 4096 - 1;
  if (base > lastMapped) return 0;
  // Only the first page is tested; holes in the middle (PCI space) are left alone.
  if (!k.systemRam.pageIsRam(Math.floor(base / 4096))) return 0;
  const idSz = lastMapped <= base + size ? lastMapped + 1 - base : size;
  // (unsigned long)__va(base): not rounded, CPA rounds down with a WARN_ON_ONCE.
  if (ioremapChangeAttr(k, k.layout.pageOffset + base, idSz, pcm) < 0) {
    const who = k.current;
    k.log.emit('info', `x86/PAT: ${who.comm}:${who.pid} ioremap_change_attr failed ${cattrName(pcm)} for ${memRange(base, base + size)}`);
    return -EINVAL;
  }
  return 0;
}
