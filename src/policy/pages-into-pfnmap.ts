/** The mixture: pages in, special PTEs with the caller's prot in a VM_PFNMAP VMA (spec 06 §3). */
import type { Policy } from './policy.js';

export const pagesIntoPfnmap: Policy = {
  name: 'pages-into-pfnmap',
  standsFor: 'the mixture',
  title: 'mixture: take pages, map them non-refcounted in a VM_PFNMAP VMA with the caller\u2019s prot',
  spec: '06 §3 mixture',
  hooks: { pagesIntoPfnmap: true },
  conflicts: {
    'ram-pfn-api': 'both replace the TTM fault insert; choose one',
    'ttm-apply-to-page-range': 'both replace the TTM fault insert; choose one',
  },
};
