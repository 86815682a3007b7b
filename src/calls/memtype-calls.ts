/**
 * Scenario calls for the memtype core (spec 02 §10–§16): the functions
 * behind `memtype-trace v1`, under their kernel names. User-mapping hooks
 * carry the names of the kernel version: `pfnmap_*` since v6.16,
 * `track_pfn_*` before (spec 04 §12).
 */

import type { CacheMode } from '../hw/cache-mode.js';
import { freePfnRange, pfnmapSetupCachemode, pfnmapTrack, pfnmapUntrack, reservePfnRange } from '../kernel/pat/pfnmap.js';
import { defineCall, opt, type ArgsOf, type CallKernel } from './define.js';
import type { CallResult, CallSpec, OutFields, OutValue } from './types.js';
import { PAGE_SIZE } from '../hw/page.js';

type K = CallKernel;

const onlyMainline = (name: string) => (k: K) =>
  k.flags.legacyTrackPfn ? `${name} does not exist before v6.16 (kernel ${k.machine.kernel} has track_pfn_*)` : null;
const onlyLegacy = (name: string) => (k: K) =>
  k.flags.legacyTrackPfn ? null : `${name} was replaced by pfnmap_* in v6.16 (kernel ${k.machine.kernel})`;

/** Argument lists shared by the PFN-mapping hooks. */
const PFN_SIZE = { pfn: 'pfn', size: 'size' } as const;
const PFN_SIZE_PROT = { ...PFN_SIZE, prot: 'mode' } as const;

/** `reserve_pfn_range()` for a call's pfn/size/prot arguments, as the result a scenario shows. */
function reserveCall(k: K, a: ArgsOf<typeof PFN_SIZE_PROT>, strictProt: boolean): CallResult {
  return protResult(k, reservePfnRange(k.memtype, k.tables, a.pfn * PAGE_SIZE, a.size, protOf(k, a.prot), strictProt));
}

/** A PFN-mapping hook's return value and the mode of the prot it settled on. */
function protResult(k: K, r: { ret: number; prot: number }): CallResult {
  return { ret: r.ret, fields: { type: modeOf(k, r.prot) } };
}

function protOf(k: K, m: CacheMode): number {
  return k.tables.cachemode2protval(m);
}
function modeOf(k: K, prot: number): OutValue {
  return { mode: k.tables.pgprot2cachemode(prot) };
}

export const MEMTYPE_CALLS: CallSpec<K>[] = [
  defineCall(
    {
      name: 'memtype_reserve',
      doc: 'memtype_reserve(start, end, req_type, new_type) — spec 02 §10',
      args: { start: 'phys', end: 'phys', type: 'mode', new_type: opt('bool', 'pass new_type (accept an existing type); default true') },
    },
    (k, a) => {
      const wantNew = a.new_type !== false;
      const r = k.memtype.memtypeReserve(a.start, a.end, a.type, wantNew);
      const fields: OutFields = {};
      if (wantNew) fields['new_type'] = { mode: r.newType ?? null };
      return { ret: r.ret, fields };
    },
  ),
  defineCall({ name: 'memtype_free', doc: 'memtype_free(start, end) — spec 02 §11', args: { start: 'phys', end: 'phys' } }, (k, a) => ({ ret: k.memtype.memtypeFree(a.start, a.end) })),
  defineCall({ name: 'lookup_memtype', pure: true, doc: 'lookup_memtype(paddr) — spec 02 §12', args: { addr: 'phys' } }, (k, a) => ({
    fields: { type: { mode: k.memtype.lookupMemtype(a.addr) } },
  })),
  defineCall(
    {
      name: 'pfnmap_setup_cachemode',
      doc: 'pfnmap_setup_cachemode(pfn, size, prot): the mode a PFN mapping gets — spec 02 §16',
      available: onlyMainline('pfnmap_setup_cachemode'),
      args: PFN_SIZE_PROT,
    },
    (k, a) => protResult(k, pfnmapSetupCachemode(k.memtype, k.tables, a.pfn, a.size, protOf(k, a.prot))),
  ),
  defineCall(
    {
      name: 'pfnmap_track',
      doc: 'pfnmap_track(pfn, size, prot): whole-VMA remap_pfn_range reservation — spec 02 §16',
      available: onlyMainline('pfnmap_track'),
      args: PFN_SIZE_PROT,
    },
    (k, a) => protResult(k, pfnmapTrack(k.memtype, k.tables, a.pfn, a.size, protOf(k, a.prot))),
  ),
  defineCall({ name: 'pfnmap_untrack', doc: 'pfnmap_untrack(pfn, size) — spec 02 §16', available: onlyMainline('pfnmap_untrack'), args: PFN_SIZE }, (k, a) => {
    pfnmapUntrack(k.memtype, a.pfn, a.size);
    return {};
  }),
  defineCall(
    {
      name: 'track_pfn_remap',
      doc: 'track_pfn_remap(vma, prot, pfn, addr, size) for a whole-VMA remap (≤ v6.15; VM_PAT) — spec 02 §16, 04 §12',
      available: onlyLegacy('track_pfn_remap'),
      args: PFN_SIZE_PROT,
    },
    (k, a) => reserveCall(k, a, false),
  ),
  defineCall(
    {
      name: 'track_pfn_insert',
      doc: 'track_pfn_insert(vma, prot, pfn): the one-page lookup of vmf_insert_pfn_prot (≤ v6.15) — spec 02 §16',
      available: onlyLegacy('track_pfn_insert'),
      args: { pfn: 'pfn', prot: 'mode' },
    },
    (k, a) => {
      const r = pfnmapSetupCachemode(k.memtype, k.tables, a.pfn, PAGE_SIZE, protOf(k, a.prot));
      return { fields: { type: modeOf(k, r.prot) } };
    },
  ),
  defineCall(
    {
      name: 'track_pfn_copy',
      doc: 'track_pfn_copy(vma) on fork: reserve again with strict_prot, any type change fails (≤ v6.15) — spec 02 §16',
      available: onlyLegacy('track_pfn_copy'),
      args: PFN_SIZE_PROT,
    },
    (k, a) => reserveCall(k, a, true),
  ),
  defineCall(
    { name: 'untrack_pfn', doc: 'untrack_pfn(vma, pfn, size): free a VM_PAT reservation (≤ v6.15) — spec 02 §16', available: onlyLegacy('untrack_pfn'), args: PFN_SIZE },
    (k, a) => {
      freePfnRange(k.memtype, a.pfn * PAGE_SIZE, a.size);
      return {};
    },
  ),
];
