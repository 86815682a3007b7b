/**
 * Whether a step's output matches what `expect:` asked (docs/scenario-language.md
 * "expect"). The output is a typed value (`OutValue`, src/calls/types.ts) and
 * what the scenario wrote is read as that type: a cache mode in any spelling
 * arguments accept (`WC`, `wc`, `write-combining`; a TTM caching also by its
 * kernel name, `ttm_write_combined` is WC, `ttm_uncached` is UC or UC-,
 * `ttm_cached` is WB), an address or pfn as the same number in hex or
 * decimal, a fault code, VMA flags and an ioremap result by the kernel's
 * names; a plain number, boolean or name as the same text or number.
 */

import { cacheModeFromAnyName } from '../hw/cache-mode.js';
import type { OutValue } from '../calls/types.js';
import { ttmCachingFromMode, TTM_CACHING } from '../kernel/drivers/ttm/caching.js';
import { describeIoremap } from '../kernel/mm/ioremap.js';
import { vmFaultName } from '../kernel/vm/fault.js';
import { vmFlagNames } from '../kernel/vm/flags.js';

const TTM_NAMES: Readonly<Record<string, number>> = { ttm_uncached: TTM_CACHING.uncached, ttm_write_combined: TTM_CACHING.write_combined, ttm_cached: TTM_CACHING.cached };

/** A number as a scenario writes it: a YAML number, or a string of hex (`0x…`) or decimal digits. */
function wantInteger(want: string | number | boolean): bigint | number | undefined {
  if (typeof want === 'number') return want;
  if (typeof want === 'string' && /^(0x[0-9a-f]+|[0-9]+)$/i.test(want)) return BigInt(want);
  return undefined;
}

/** Whether `want` (as `expect:` wrote it) is the output `got`. */
export function sameExpectedValue(want: string | number | boolean, got: OutValue): boolean {
  if (typeof got !== 'object') {
    if (String(got) === String(want)) return true;
    return typeof want === 'number' && Number(got) === want;
  }
  if ('addr' in got) {
    const w = wantInteger(want);
    // A YAML number past 2^53 is the nearest double: compared as one, as the address reads in that precision.
    if (typeof w === 'number') return Number(got.addr) === w;
    return w !== undefined && w === BigInt(got.addr);
  }
  if (typeof want !== 'string') return false;
  if ('mode' in got) return got.mode === null ? want === '-' : cacheModeFromAnyName(want) === got.mode;
  if ('noPte' in got) return want === 'none';
  if ('caching' in got) {
    const named = TTM_NAMES[want];
    if (named !== undefined) return named === got.caching;
    const w = cacheModeFromAnyName(want);
    return w !== undefined && ttmCachingFromMode(w) === got.caching;
  }
  if ('fault' in got) return vmFaultName(got.fault) === want;
  if ('vmFlags' in got) return vmFlagNames(got.vmFlags) === want;
  // An ioremap that got the mode it asked for also matches that mode in any spelling.
  const r = got.ioremap;
  return describeIoremap(r) === want || (r.pcm !== undefined && r.pcm === r.requested && cacheModeFromAnyName(want) === r.pcm);
}
