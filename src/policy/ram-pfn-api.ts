/** Option 2: a RAM-only PFN insert without the PAT lookup, with the proposed debug-kernel checks (spec 06 §3). */
import type { Policy } from './policy.js';

export const ramPfnApi: Policy = {
  name: 'ram-pfn-api',
  standsFor: 'option 2',
  title: 'option 2: RAM-only PFN insert installing the caller\u2019s bits, with debug-kernel direct-map checks',
  spec: '06 §3 option 2',
  hooks: { ramOnlyPfnApi: true, debugPatChecks: true },
  conflicts: { 'ttm-apply-to-page-range': 'both replace the TTM fault insert; choose one' },
};
