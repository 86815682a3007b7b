/** Option 1: a page-based insert with an explicit prot, `vm_insert_pages_pgprot` (spec 06 §3). */
import type { Policy } from './policy.js';

export const vmInsertPagesPgprot: Policy = {
  name: 'vm-insert-pages-pgprot',
  standsFor: 'option 1',
  title: 'option 1: page-based vm_insert_pages_pgprot with the caller\u2019s prot (refcounted, GUP-able pages)',
  spec: '06 §3 option 1',
  hooks: { pagesPgprotApi: true },
  conflicts: {
    'pages-into-pfnmap': 'both replace the TTM fault insert; choose one',
    'ram-pfn-api': 'both replace the TTM fault insert; choose one',
    'ttm-apply-to-page-range': 'both replace the TTM fault insert; choose one',
  },
};
