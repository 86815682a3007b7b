/** 3b: pgprot_set_cachemode is a no-op for WB (Christian's quick fix; spec 06 §3). */
import type { Policy } from './policy.js';

export const skipWb: Policy = {
  name: 'skip-wb',
  standsFor: 'option 3b',
  title: '3b: pgprot_set_cachemode leaves the caller\u2019s bits when PAT says WB (every caller of the helper)',
  spec: '06 §3 option 3b',
  hooks: { setupSkipsWB: true },
};
