/** Christian's fix: vmf_insert_pfn_prot honours the caller's prot, with debug checks (spec 06 §3). */
import { cacheModeShort } from '../hw/cache-mode.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { protMode } from '../kernel/vm/pte-write.js';
import { debugPatChecks } from './debug-checks.js';
import type { Policy } from './policy.js';

/** Hook `vmfInsertPfnCachemode`: no `pfnmap_setup_cachemode_pfn`; the debug checks judge the request. */
function honourProt(k: MmContext, pfn: number, prot: number, call: string): number {
  const mode = protMode(k, prot);
  k.log.chain?.push({ fn: call, read: `caller's prot ${cacheModeShort(mode)}`, result: 'no PAT lookup' });
  k.log.chain?.push({ fn: `${call} [design insert-honours-prot]`, read: 'the design under test', result: "pfnmap_setup_cachemode_pfn skipped: caller's prot kept" });
  k.hooks.debugChecks?.(k, call, [pfn], mode, false);
  return prot;
}

export const insertHonoursProt: Policy = {
  name: 'insert-honours-prot',
  standsFor: 'Christian\u2019s fix',
  title: 'Christian\u2019s fix: vmf_insert_pfn_prot honours the caller\u2019s prot (no PAT lookup), with debug checks',
  spec: '06 §3 Christian',
  hooks: { vmfInsertPfnCachemode: honourProt, debugChecks: debugPatChecks },
};
