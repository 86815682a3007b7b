/**
 * Scenario calls for the memtype core (spec 02 §10–§16): the functions
 * behind `memtype-trace v1`, under their kernel names. User-mapping hooks
 * carry the names of the kernel version: `pfnmap_*` since v6.16,
 * `track_pfn_*` before (spec 04 §12).
 */

import { cattrName, type CacheMode } from '../hw/cache-mode.js';
import type { KernelContext } from '../kernel/context.js';
import { freePfnRange, pfnmapSetupCachemode, pfnmapTrack, pfnmapUntrack, reservePfnRange } from '../kernel/pat/pfnmap.js';
import type { Args, ArgSpec, CallResult, CallSpec } from './types.js';
import { PAGE_SIZE } from '../hw/page.js';

type K = KernelContext;

const onlyMainline = (name: string) => (k: K) =>
  k.flags.legacyTrackPfn ? `${name} does not exist before v6.16 (kernel ${k.machine.kernel} has track_pfn_*)` : null;
const onlyLegacy = (name: string) => (k: K) =>
  k.flags.legacyTrackPfn ? null : `${name} was replaced by pfnmap_* in v6.16 (kernel ${k.machine.kernel})`;

/** Argument lists shared by the PFN-mapping hooks. */
const PFN_SIZE: ArgSpec[] = [
  { name: 'pfn', kind: 'pfn' },
  { name: 'size', kind: 'size' },
];
const PFN_SIZE_PROT: ArgSpec[] = [...PFN_SIZE, { name: 'prot', kind: 'mode' }];

/** `reserve_pfn_range()` for a call's pfn/size/prot arguments, as the result a scenario shows. */
function reserveCall(k: K, a: Args, strictProt: boolean): CallResult {
  const r = reservePfnRange(k.memtype, k.tables, (a['pfn'] as number) * PAGE_SIZE, a['size'] as number, protOf(k, a['prot'] as CacheMode), strictProt);
  return { ret: r.ret, fields: { type: modeOf(k, r.prot) } };
}

function protOf(k: K, m: CacheMode): number {
  return k.tables.cachemode2protval(m);
}
function modeOf(k: K, prot: number): string {
  return cattrName(k.tables.pgprot2cachemode(prot));
}

export const MEMTYPE_CALLS: CallSpec<K>[] = [
  {
    name: 'memtype_reserve',
    doc: 'memtype_reserve(start, end, req_type, new_type) — spec 02 §10',
    args: [
      { name: 'start', kind: 'phys' },
      { name: 'end', kind: 'phys' },
      { name: 'type', kind: 'mode' },
      { name: 'new_type', kind: 'bool', optional: true, doc: 'pass new_type (accept an existing type); default true' },
    ],
    run(k, a) {
      const wantNew = a['new_type'] !== false;
      const r = k.memtype.memtypeReserve(a['start'] as number, a['end'] as number, a['type'] as CacheMode, wantNew);
      const fields: Record<string, string> = {};
      if (wantNew) fields['new_type'] = r.newType === undefined ? '-' : cattrName(r.newType);
      return { ret: r.ret, fields };
    },
  },
  {
    name: 'memtype_free',
    doc: 'memtype_free(start, end) — spec 02 §11',
    args: [
      { name: 'start', kind: 'phys' },
      { name: 'end', kind: 'phys' },
    ],
    run(k, a) {
      return { ret: k.memtype.memtypeFree(a['start'] as number, a['end'] as number) };
    },
  },
  {
    name: 'lookup_memtype',
    pure: true,
    doc: 'lookup_memtype(paddr) — spec 02 §12',
    args: [{ name: 'addr', kind: 'phys' }],
    run(k, a) {
      return { fields: { type: cattrName(k.memtype.lookupMemtype(a['addr'] as number)) } };
    },
  },
  {
    name: 'pfnmap_setup_cachemode',
    doc: 'pfnmap_setup_cachemode(pfn, size, prot): the mode a PFN mapping gets — spec 02 §16',
    available: onlyMainline('pfnmap_setup_cachemode'),
    args: PFN_SIZE_PROT,
    run(k, a) {
      const r = pfnmapSetupCachemode(k.memtype, k.tables, a['pfn'] as number, a['size'] as number, protOf(k, a['prot'] as CacheMode));
      return { ret: r.ret, fields: { type: modeOf(k, r.prot) } };
    },
  },
  {
    name: 'pfnmap_track',
    doc: 'pfnmap_track(pfn, size, prot): whole-VMA remap_pfn_range reservation — spec 02 §16',
    available: onlyMainline('pfnmap_track'),
    args: PFN_SIZE_PROT,
    run(k, a) {
      const r = pfnmapTrack(k.memtype, k.tables, a['pfn'] as number, a['size'] as number, protOf(k, a['prot'] as CacheMode));
      return { ret: r.ret, fields: { type: modeOf(k, r.prot) } };
    },
  },
  {
    name: 'pfnmap_untrack',
    doc: 'pfnmap_untrack(pfn, size) — spec 02 §16',
    available: onlyMainline('pfnmap_untrack'),
    args: PFN_SIZE,
    run(k, a) {
      pfnmapUntrack(k.memtype, a['pfn'] as number, a['size'] as number);
      return {};
    },
  },
  {
    name: 'track_pfn_remap',
    doc: 'track_pfn_remap(vma, prot, pfn, addr, size) for a whole-VMA remap (≤ v6.15; VM_PAT) — spec 02 §16, 04 §12',
    available: onlyLegacy('track_pfn_remap'),
    args: PFN_SIZE_PROT,
    run: (k, a) => reserveCall(k, a, false),
  },
  {
    name: 'track_pfn_insert',
    doc: 'track_pfn_insert(vma, prot, pfn): the one-page lookup of vmf_insert_pfn_prot (≤ v6.15) — spec 02 §16',
    available: onlyLegacy('track_pfn_insert'),
    args: [
      { name: 'pfn', kind: 'pfn' },
      { name: 'prot', kind: 'mode' },
    ],
    run(k, a) {
      const r = pfnmapSetupCachemode(k.memtype, k.tables, a['pfn'] as number, PAGE_SIZE, protOf(k, a['prot'] as CacheMode));
      return { fields: { type: modeOf(k, r.prot) } };
    },
  },
  {
    name: 'track_pfn_copy',
    doc: 'track_pfn_copy(vma) on fork: reserve again with strict_prot, any type change fails (≤ v6.15) — spec 02 §16',
    available: onlyLegacy('track_pfn_copy'),
    args: PFN_SIZE_PROT,
    run: (k, a) => reserveCall(k, a, true),
  },
  {
    name: 'untrack_pfn',
    doc: 'untrack_pfn(vma, pfn, size): free a VM_PAT reservation (≤ v6.15) — spec 02 §16',
    available: onlyLegacy('untrack_pfn'),
    args: PFN_SIZE,
    run(k, a) {
      freePfnRange(k.memtype, (a['pfn'] as number) * PAGE_SIZE, a['size'] as number);
      return {};
    },
  },
];
