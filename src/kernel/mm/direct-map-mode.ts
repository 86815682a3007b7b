/** The cache mode a lowmem pfn's direct-map leaf has (what `set_memory_*`/`set_pages_*` made it). */

import type { CacheMode } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import type { MmContext } from './mm-context.js';

/** The mode of the direct-map leaf of a lowmem pfn, or null if it has none. */
export function directMapMode(k: MmContext, pfn: number): CacheMode | null {
  const map = k.directMap.map;
  if (pfn >= k.layout.directMapEndPfn || !map.present(pfn)) return null;
  return k.tables.pgprot2cachemode(map.bits4k(pfn) & PAGE_CACHE_MASK);
}
