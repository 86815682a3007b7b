/**
 * The text of a call's outputs. The call table (src/calls) returns typed
 * values (`OutValue`, src/calls/types.ts); this is the one place they become
 * what `patlab run`, its JSON, traces, counterexamples and probe reports
 * show: a cache mode as `cattr_name()` prints it, an address or pfn in hex,
 * a fault code, VMA flags and a TTM caching under the kernel's names.
 */

import { cattrName } from '../../hw/cache-mode.js';
import { hex } from '../../hw/hex.js';
import type { OutFields, OutValue } from '../../calls/types.js';
import { ttmCachingName } from '../../kernel/drivers/ttm/caching.js';
import { describeIoremap } from '../../kernel/mm/ioremap.js';
import { vmFaultName } from '../../kernel/vm/fault.js';
import { vmFlagNames } from '../../kernel/vm/flags.js';

/** How one output reads: numbers, booleans and names as they are, every tagged value as the kernel would print it. */
export function outText(v: OutValue): string | number | boolean {
  if (typeof v !== 'object') return v;
  if ('mode' in v) return v.mode === null ? '-' : cattrName(v.mode);
  if ('noPte' in v) return 'none';
  if ('addr' in v) return hex(v.addr);
  if ('fault' in v) return vmFaultName(v.fault);
  if ('vmFlags' in v) return vmFlagNames(v.vmFlags);
  if ('caching' in v) return ttmCachingName(v.caching);
  return describeIoremap(v.ioremap);
}

/** Every output of a step as {@link outText} gives it, in the call's order (what JSON and YAML writers emit). */
export function fieldsText(fields: OutFields | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(fields ?? {})) out[k] = outText(v);
  return out;
}
