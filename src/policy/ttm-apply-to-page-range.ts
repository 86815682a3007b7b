/** RFC 1/3: TTM fills PTEs with one apply_to_page_range, bypassing the PAT lookup (spec 06 §3). */
import type { Policy } from './policy.js';

export const ttmApplyToPageRange: Policy = {
  name: 'ttm-apply-to-page-range',
  standsFor: 'RFC 1/3',
  title: 'RFC 1/3: TTM\u2019s fault handler writes PTEs with apply_to_page_range (no PAT lookup, no checks)',
  spec: '06 §3 RFC 1/3',
  hooks: { ttmApplyToPageRange: true },
};
