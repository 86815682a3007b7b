/** 3a: pfnmap_setup_cachemode overrides only when a registration exists (David's rule; spec 06 §3). */
import type { Policy } from './policy.js';

export const registrationRule: Policy = {
  name: 'registration-rule',
  standsFor: 'option 3a',
  title: '3a: override the caller\u2019s bits only where a registration exists (combine with ram-in-tree for RAM)',
  spec: '06 §3 option 3a',
  hooks: { registrationRule: true },
};
