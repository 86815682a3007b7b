/**
 * Whether a step's output matches what `expect:` asked (docs/scenario-language.md
 * "expect"): the same text or number, or the same cache mode in any spelling
 * arguments accept (`WC`, `wc`, `write-combining`), also against TTM's
 * caching names (`ttm_write_combined` is WC; `ttm_uncached` is UC or UC-;
 * `ttm_cached` is WB).
 */

import { cacheModeFromAnyName } from '../hw/cache-mode.js';
import { ttmCachingFromMode, TTM_CACHING } from '../kernel/drivers/ttm/caching.js';

const TTM_NAMES: Readonly<Record<string, number>> = { ttm_uncached: TTM_CACHING.uncached, ttm_write_combined: TTM_CACHING.write_combined, ttm_cached: TTM_CACHING.cached };

export function sameExpectedValue(want: string | number | boolean, got: string | number | boolean): boolean {
  if (String(got) === String(want)) return true;
  if (typeof want === 'number') return Number(got) === want;
  if (typeof want !== 'string' || typeof got !== 'string') return false;
  const w = cacheModeFromAnyName(want);
  if (w === undefined) return false;
  const ttm = TTM_NAMES[got];
  if (ttm !== undefined) return TTM_NAMES[want] === undefined && ttmCachingFromMode(w) === ttm;
  const g = cacheModeFromAnyName(got);
  return g !== undefined && g === w;
}
