/** Christian's preferred fix: vmf_insert_pfn_prot installs the given prot (spec 06 §3). */
import type { Policy } from './policy.js';

export const insertHonoursProt: Policy = {
  name: 'insert-honours-prot',
  standsFor: 'Christian\u2019s fix',
  title: 'Christian\u2019s fix: vmf_insert_pfn_prot honours the caller\u2019s prot (no PAT lookup), with debug checks',
  spec: '06 §3 Christian',
  hooks: { insertHonoursProt: true, debugPatChecks: true },
};
