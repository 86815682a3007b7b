/** 3b: pgprot_set_cachemode is a no-op for WB (Christian's quick fix; spec 06 §3). */
import { cacheModeShort, CM, type CacheMode } from '../hw/cache-mode.js';
import type { CacheModeTables } from '../hw/pte.js';
import type { Memtype } from '../kernel/pat/memtype.js';
import { pgprotSetCachemodeKernel } from '../kernel/pat/pfnmap.js';
import type { Policy } from './policy.js';

/** Hook `pgprotSetCachemode`: WB leaves the caller's bits; every other mode as the kernel does. */
function keepWbBits(mt: Memtype, tables: CacheModeTables, prot: number, pcm: CacheMode): number {
  if (pcm === CM.WB) {
    mt.log.chain?.push({ fn: 'pgprot_set_cachemode [design skip-wb]', read: `mode ${cacheModeShort(pcm)}`, result: "no-op: caller's prot kept" });
    return prot;
  }
  return pgprotSetCachemodeKernel(mt, tables, prot, pcm);
}

export const skipWb: Policy = {
  name: 'skip-wb',
  standsFor: 'option 3b',
  title: '3b: pgprot_set_cachemode leaves the caller\u2019s bits when PAT says WB (every caller of the helper)',
  spec: '06 §3 option 3b',
  hooks: { pgprotSetCachemode: keepWbBits },
};
