/**
 * RFC 3/3 "drm/ttm: disable changing the global caching flags on newer AMD
 * CPUs v2" and the Aug-6 WIP "drm/ttm: WIP limit the TTM pool to 32bit
 * CPUs" (spec 06 §1, §3 "RFC 3/3"): TTM keeps no WC/UC pool, flushes caches
 * with `drm_clflush_pages` instead of `set_pages_array_*`, and skips
 * `set_pages_wb` on free and backup (hook `ttmCaching`).
 */
import type { TtmCachingHook } from '../kernel/hooks.js';
import type { Policy } from './policy.js';

/** The WIP's condition: every 64-bit kernel stops changing caching. */
const WIP: TtmCachingHook = { changesCaching: (k) => !k.is64, highmemConsistent: true };

/** RFC 3/3's condition: AMD CPUs with CLFLUSH stop changing caching (not in the suite; tests use it). */
export const RFC_3_3: TtmCachingHook = { changesCaching: (k) => !(k.machine.cpu.vendor === 'AuthenticAMD' && k.machine.cpu.clflush), highmemConsistent: true };

export const ttmSkipCaching: Policy = {
  name: 'ttm-skip-caching',
  standsFor: 'RFC 3/3 / the Aug-6 WIP',
  title: 'RFC 3/3 / Aug-6 WIP: no WC/UC pools and no set_pages_array_* on x86-64; clflush instead',
  spec: '06 §3 RFC 3/3',
  hooks: { ttmCaching: WIP },
};
