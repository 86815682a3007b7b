/** set_pages_wc/uc inside the insert (raised by David, rejected as too costly; spec 06 §3). */
import type { Policy } from './policy.js';

export const setPagesOnInsert: Policy = {
  name: 'set-pages-on-insert',
  standsFor: 'set_pages_wc() inside the insert',
  title: 'convert the page flag and direct map inside the insert (memtype_reserve + CPA per new page)',
  spec: '06 §3 set_pages on insert',
  hooks: { setPagesOnInsert: true },
};
