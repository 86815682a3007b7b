/** Today's kernel: vmf_insert_pfn_prot takes the PAT-recorded mode, TTM changes global caching (spec 06 §2, §5). */
import type { Policy } from './policy.js';

export const baseline: Policy = {
  name: 'baseline',
  standsFor: 'today\u2019s kernel',
  title: "today's kernel (per the machine's kernel version)",
  spec: '06 §2, §5',
  hooks: {},
};
