/** RFC 2/3: TTM_BO_VM_NUM_PREFAULT = the pages of one PMD (spec 06 §3 RFC 2/3). */
import type { MmContext } from '../kernel/mm/mm-context.js';
import type { Policy } from './policy.js';

/** Hook `ttmNumPrefault`: 512 where the page table has PMDs of 512 entries (x86-64), else 16 (the model's x86-32). */
const pmdPages = (k: MmContext): number => (k.machine.arch === 'x86-32' ? 16 : 512);

export const ttmPrefaultPmd: Policy = {
  name: 'ttm-prefault-pmd',
  standsFor: 'RFC 2/3',
  title: 'RFC 2/3: TTM_BO_VM_NUM_PREFAULT = 512 (a PMD) instead of 16',
  spec: '06 §3 RFC 2/3',
  hooks: { ttmNumPrefault: pmdPages },
};
