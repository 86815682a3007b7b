/** RFC 3/3 and the Aug-6 WIP: TTM stops changing global caching on x86-64 (spec 06 §3). */
import type { Policy } from './policy.js';

export const ttmSkipCaching: Policy = {
  name: 'ttm-skip-caching',
  standsFor: 'RFC 3/3 / the Aug-6 WIP',
  title: 'RFC 3/3 / Aug-6 WIP: no WC/UC pools and no set_pages_array_* on x86-64; clflush instead',
  spec: '06 §3 RFC 3/3',
  hooks: { ttmSkipCachingAdjustment: 'x86-64' },
};
