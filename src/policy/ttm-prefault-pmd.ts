/** RFC 2/3: prefault a whole PMD's worth of pages per fault (spec 06 §3). */
import type { Policy } from './policy.js';

export const ttmPrefaultPmd: Policy = {
  name: 'ttm-prefault-pmd',
  standsFor: 'RFC 2/3',
  title: 'RFC 2/3: TTM_BO_VM_NUM_PREFAULT = 512 (a PMD) instead of 16',
  spec: '06 §3 RFC 2/3',
  hooks: { ttmPrefaultPmd: true },
};
