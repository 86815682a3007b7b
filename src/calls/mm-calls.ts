/**
 * Scenario calls for kernel mappings (spec 03): page allocation,
 * `set_memory_*` / `set_pages_*`, ioremap and friends, kmap, vmap — under
 * their kernel names. Calls that a kernel version lacks say so.
 */

import { NotModelledError } from '../kernel/not-modelled.js';
import { CM } from '../hw/cache-mode.js';
import { hex } from '../hw/hex.js';
import { PAGE_CACHE_MASK, patIndex } from '../hw/pte.js';
import {
  archIoFreeMemtypeWc,
  archIoReserveMemtypeWc,
  ioremap,
  ioremapCache,
  ioremapProtCall,
  ioremapUc,
  ioremapWc,
  ioremapWt,
  iounmap,
  type IoremapResult,
} from '../kernel/mm/ioremap.js';
import { iomapCreateWc, iomapLocalPfnProt, ioMappingCreateWc, ioMappingFree, ioMappingMapLocalWc, type IoMapping } from '../kernel/mm/io-mapping.js';
import { vunmapCall } from '../kernel/mm/vmalloc.js';
import { MEMREMAP_FLAGS, memremap, memunmap } from '../kernel/mm/memremap.js';
import { MAX_ORDER } from '../kernel/mm/page-alloc.js';
import { warnOnce } from '../kernel/mm/warn.js';
import { driverFreePages } from '../kernel/drivers/page-refs.js';
import { ImpossibleRequestError } from '../kernel/impossible.js';
import {
  setMemoryApiAvailable,
  setMemoryUc,
  setMemoryWb,
  setMemoryWc,
  setPagesArrayUc,
  setPagesArrayWb,
  setPagesArrayWc,
  setPagesArrayWt,
  setPagesUc,
  setPagesWb,
  _setMemoryUc,
  _setMemoryWb,
  _setMemoryWc,
  _setMemoryWt,
} from '../kernel/mm/set-memory.js';
import { defineCall, opt, type ArgValue, type CallKernel } from './define.js';
import type { CallResult, CallSpec, OutFields, OutValue } from './types.js';
import { PAGE_SIZE } from '../hw/page.js';

type K = CallKernel;
/** PAGE_KERNEL's non-cache bits (present, rw, accessed, dirty, global). */
const PAGE_KERNEL = 0x1 | 0x2 | 0x20 | 0x40 | 0x100;

const needsApi = (name: string) => (k: K) =>
  setMemoryApiAvailable(k, name) ? null : `${name} does not exist in kernel ${k.machine.kernel} (spec 03 §3)`;

function ioResult(k: K, r: IoremapResult, what: string): CallResult {
  if (r.vaddr === null) return { isNull: true };
  return {
    handle: { kind: 'mapping', vaddr: r.vaddr, size: r.size, phys: r.phys, what },
    fields: { type: { mode: r.pcm! }, vaddr: kernelVaddr(k, r.vaddr), mapping: { ioremap: r } },
  };
}

const ioremapCall = (name: string, fn: (k: K, phys: number, size: number, caller?: string) => IoremapResult, doc: string): CallSpec<K> =>
  defineCall({ name, doc, args: { phys: 'phys', size: 'size' }, produces: 'mapping' }, (k, a) =>
    // %pS of the caller when the scenario names it (`caller:`), else the task's comm.
    ioResult(k, fn(k, a.phys, a.size, k.current.caller ?? (k.current.comm === 'patlab' ? undefined : k.current.comm)), name),
  );

const setMemoryCall = (name: string, fn: (k: K, addr: number, n: number) => number, doc: string): CallSpec<K> =>
  defineCall({ name, doc, available: needsApi(name), args: { addr: 'vaddr', numpages: 'count' } }, (k, a) => ({ ret: fn(k, a.addr, a.numpages) }));

const setPagesCall = (name: string, fn: (k: K, pfn: number, n: number) => number, doc: string): CallSpec<K> =>
  defineCall({ name, doc, available: needsApi(name), args: { page: 'page', numpages: 'count' } }, (k, a) => ({ ret: fn(k, a.page, a.numpages) }));

const setPagesArrayCall = (name: string, fn: (k: K, pages: ArrayLike<number>) => number, doc: string): CallSpec<K> =>
  defineCall({ name, doc, available: needsApi(name), args: { pages: 'pages' } }, (k, a) => ({ ret: fn(k, a.pages) }));

export const MM_CALLS: CallSpec<K>[] = [
  defineCall(
    {
      name: 'alloc_pages',
      doc: 'alloc_pages(gfp, order), repeated `count` times: a pages handle (deterministic allocator, spec/07 (b) 8)',
      args: {
        gfp: 'gfp',
        order: opt('count'),
        count: opt('count', 'number of allocations (default 1)'),
        pfn: opt('pfn', 'the page the allocator returns (must be free): replays a real machine'),
        pfns: opt('pages', 'the first page of each of the count allocations (each must be free): replays a real machine'),
      },
      produces: 'pages',
    },
    (k, a): CallResult => {
      const order = a.order ?? 0;
      const count = a.count ?? 1;
      const pfnList = a.pfns;
      if (pfnList !== undefined && a.pfn !== undefined) throw new ImpossibleRequestError('pfn and pfns both name the pages: keep one');
      if (pfnList !== undefined && pfnList.length !== count) throw new ImpossibleRequestError(`pfns names ${pfnList.length} allocation(s), count is ${count}`);
      const at = a.pfn;
      if (at !== undefined && count !== 1) throw new ImpossibleRequestError('pfn names one allocation: drop count, or give pfns');
      const gfp = a.gfp;
      // __alloc_pages(): `if (WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)) return NULL;` (order >= MAX_ORDER before v6.4).
      if (order > MAX_ORDER) {
        warnOnce(k, '__alloc_pages');
        return { isNull: true, fields: { allocated: 0 } };
      }
      const pfns: number[] = [];
      for (let i = 0; i < count; i++) {
        const want = pfnList?.[i] ?? at;
        const pfn = want !== undefined ? k.allocator.allocPagesAt(gfp, order, want) : k.allocator.allocPages(gfp, order);
        if (pfn < 0) return { isNull: true, fields: { allocated: i } };
        for (let j = 0; j < 1 << order; j++) pfns.push(pfn + j);
      }
      return { handle: { kind: 'pages', pfns }, fields: { zone: k.zones.zoneOf(pfns[0]!) } };
    },
  ),
  defineCall(
    { name: '__free_pages', doc: '__free_pages(page, order) for each page of a handle', args: { pages: 'pages', order: opt('count') } },
    (k, a) => {
      const order = Math.min(a.order ?? 0, MAX_ORDER);
      const pfns = a.pages;
      // Freeing twice, a tail, a page held elsewhere or a reserved page gets the kernel's outcome (driverFreePages).
      for (let i = 0; i < pfns.length; i += 1 << order) driverFreePages(k, pfns[i]!, order, k.current.comm);
      return {};
    },
  ),
  setMemoryCall('set_memory_uc', setMemoryUc, 'set_memory_uc(addr, numpages) — spec 03 §3'),
  setMemoryCall('set_memory_wc', setMemoryWc, 'set_memory_wc(addr, numpages) — spec 03 §3'),
  setMemoryCall('set_memory_wb', setMemoryWb, 'set_memory_wb(addr, numpages) — spec 03 §3'),
  setMemoryCall('_set_memory_uc', _setMemoryUc, '_set_memory_uc(addr, numpages): CPA only — spec 03 §3'),
  setMemoryCall('_set_memory_wc', _setMemoryWc, '_set_memory_wc(addr, numpages): CPA only, two passes — spec 03 §3'),
  setMemoryCall('_set_memory_wt', _setMemoryWt, '_set_memory_wt(addr, numpages): CPA only — spec 03 §3'),
  setMemoryCall('_set_memory_wb', _setMemoryWb, '_set_memory_wb(addr, numpages): CPA only — spec 03 §3'),
  setPagesCall('set_pages_uc', setPagesUc, 'set_pages_uc(page, numpages) = set_memory_uc(page_address(page)) — spec 03 §3, §5.2'),
  setPagesCall('set_pages_wb', setPagesWb, 'set_pages_wb(page, numpages) — spec 03 §3, §5.2'),
  setPagesArrayCall('set_pages_array_uc', setPagesArrayUc, 'set_pages_array_uc(pages, n) — spec 03 §3'),
  setPagesArrayCall('set_pages_array_wc', setPagesArrayWc, 'set_pages_array_wc(pages, n) — spec 03 §3, §5.3'),
  setPagesArrayCall('set_pages_array_wt', setPagesArrayWt, 'set_pages_array_wt(pages, n) (removed in 2025 kernels) — spec 03 §3'),
  setPagesArrayCall('set_pages_array_wb', setPagesArrayWb, 'set_pages_array_wb(pages, n) — spec 03 §3'),
  ioremapCall('ioremap', ioremap, 'ioremap(phys, size): UC- — spec 03 §4'),
  ioremapCall('ioremap_uc', ioremapUc, 'ioremap_uc(phys, size): UC — spec 03 §4'),
  ioremapCall('ioremap_wc', ioremapWc, 'ioremap_wc(phys, size): WC — spec 03 §4'),
  ioremapCall('ioremap_wt', ioremapWt, 'ioremap_wt(phys, size): WT — spec 03 §4'),
  ioremapCall('ioremap_cache', ioremapCache, 'ioremap_cache(phys, size): WB (UC- on non-WB MTRR) — spec 03 §4'),
  defineCall(
    {
      name: 'ioremap_prot',
      doc: 'ioremap_prot(phys, size, prot): the mode of the prot — spec 03 §4.1',
      args: { phys: 'phys', size: 'size', prot: 'mode' },
      produces: 'mapping',
    },
    (k, a) => ioResult(k, ioremapProtCall(k, a.phys, a.size, a.prot), 'ioremap_prot'),
  ),
  defineCall(
    { name: 'iounmap', doc: 'iounmap(addr) — spec 03 §4.4', args: { addr: 'vaddr' } },
    (k, a) => {
      iounmap(k, a.addr);
      return {};
    },
  ),
  defineCall(
    { name: 'arch_io_reserve_memtype_wc', doc: 'arch_io_reserve_memtype_wc(start, size) — spec 02 §14', args: { start: 'phys', size: 'size' } },
    (k, a) => ({ ret: archIoReserveMemtypeWc(k, a.start, a.size) }),
  ),
  defineCall(
    { name: 'arch_io_free_memtype_wc', doc: 'arch_io_free_memtype_wc(start, size) — spec 02 §14', args: { start: 'phys', size: 'size' } },
    (k, a) => {
      archIoFreeMemtypeWc(k, a.start, a.size);
      return {};
    },
  ),
  defineCall(
    { name: 'kmap', doc: 'kmap(page): a persistent WB kernel mapping (the direct map on x86-64) — spec 03 §5.2', args: { page: 'page' }, produces: 'mapping' },
    (k, a) => {
      const va = k.highmem.kmap(a.page);
      return { handle: { kind: 'mapping', vaddr: va, size: PAGE_SIZE, phys: a.page * PAGE_SIZE, what: 'kmap' } };
    },
  ),
  defineCall(
    { name: 'kunmap', doc: 'kunmap(page)', args: { page: 'page' } },
    (k, a) => {
      k.highmem.kunmap(a.page);
      return {};
    },
  ),
  defineCall(
    { name: 'kmap_local_page', doc: 'kmap_local_page(page): a temporary WB mapping (fixmap slot on 32-bit) — spec 03 §5.2', args: { page: 'page' }, produces: 'mapping' },
    (k, a) => {
      const va = k.highmem.kmapLocalPage(a.page);
      return { handle: { kind: 'mapping', vaddr: va, size: PAGE_SIZE, phys: a.page * PAGE_SIZE, what: 'kmap_local_page' } };
    },
  ),
  defineCall(
    {
      name: 'kmap_local_page_prot',
      doc: 'kmap_local_page_prot(page, prot): a temporary mapping with the given cache mode — spec 03 §5.2, 05 §1',
      args: { page: 'page', prot: 'mode' },
      produces: 'mapping',
    },
    (k, a) => {
      const bits = PAGE_KERNEL | k.tables.cachemode2protval(a.prot);
      const va = k.highmem.kmapLocalPageProt(a.page, bits);
      return { handle: { kind: 'mapping', vaddr: va, size: PAGE_SIZE, phys: a.page * PAGE_SIZE, what: 'kmap_local_page_prot' } };
    },
  ),
  defineCall(
    { name: 'kunmap_local', doc: 'kunmap_local(addr)', args: { addr: 'vaddr' } },
    (k, a) => {
      k.highmem.kunmapLocal(a.addr);
      return {};
    },
  ),
  defineCall(
    {
      name: 'vmap',
      doc: 'vmap(pages, count, VM_MAP, prot): a kernel alias with the given cache mode, PAT not consulted — spec 03 §5.2',
      args: { pages: 'pages', prot: opt('mode') },
      produces: 'mapping',
    },
    (k, a) => {
      const pfns = a.pages;
      // vmap() takes struct pages: a pfn without one cannot be named (no silent mapping of nothing).
      for (const pfn of pfns) if (!k.pages.pfnValid(pfn)) throw new NotModelledError(`vmap of a struct page for pfn ${hex(pfn)} (outside the memmap)`);
      const mode = a.prot ?? CM.WB;
      const bits = PAGE_KERNEL | (k.tables.cachemode2protval(mode) & PAGE_CACHE_MASK);
      const va = k.vmalloc.vmap(pfns, bits);
      if (va === null) return { isNull: true };
      return { handle: { kind: 'mapping', vaddr: va, size: pfns.length * PAGE_SIZE, what: 'vmap' }, fields: { type: { mode } } };
    },
  ),
  defineCall(
    { name: 'vunmap', doc: 'vunmap(addr)', args: { addr: 'vaddr' } },
    (k, a) => {
      vunmapCall(k, a.addr);
      return {};
    },
  ),
defineCall(
  {
    name: 'lookup_address',
    pure: true,
    doc: 'lookup_address(addr, &level): the kernel leaf mapping a virtual address — its level, pfn, cache mode and PAT index (spec 03 §2.4)',
    args: { addr: 'vaddr' },
  },
  (k, a) => {
      const r = k.pgtable.lookupAddress(a.addr);
      if (!r) return { isNull: true };
      const lvl = r.level === '4k' ? '4k' : '2m';
      // pat_index: the PAT entry the PTE's PWT/PCD/PAT bits select (what a test module prints as PATidx).
      return { fields: { level: r.level, pfn: { addr: r.pfn }, type: { mode: k.tables.leafCachemode(r.bits, lvl) }, pat_index: patIndex(r.bits, lvl) } };
    },
),
  defineCall(
    {
      name: 'memremap',
      doc: 'memremap(offset, size, MEMREMAP_WB|WT|WC): WB on System RAM is the direct map, else ioremap_cache/_wt/_wc in that order (kernel/iomem.c)',
      args: { offset: 'phys', size: 'size', flags: { kind: 'flags', flags: MEMREMAP_FLAGS } },
      produces: 'mapping',
    },
    (k, a) => {
      const size = a.size;
      const r = memremap(k, a.offset, size, a.flags);
      if (r.vaddr === null) return { isNull: true };
      const pte = k.pgtable.lookupAddress(r.vaddr);
      return {
        handle: { kind: 'mapping', vaddr: r.vaddr, size, phys: a.offset, what: 'memremap' },
        fields: { via: r.via!, type: leafMode(k, pte), vaddr: kernelVaddr(k, r.vaddr) },
      };
    },
  ),
  defineCall(
    { name: 'memunmap', doc: 'memunmap(addr): iounmap for an ioremap address, nothing for the direct map (kernel/iomem.c)', args: { addr: 'vaddr' } },
    (k, a) => {
      memunmap(k, a.addr);
      return {};
    },
  ),
  defineCall(
    {
      name: 'iomap_create_wc',
      doc: 'iomap_create_wc(base, size, &prot) (32-bit): memtype_reserve_io(WC) and the prot of the granted mode (arch/x86/mm/iomap_32.c)',
      available: only32('iomap_create_wc'),
      args: { base: 'phys', size: 'size' },
    },
    (k, a) => {
      const r = iomapCreateWc(k, a.base, a.size);
      return r.ret ? { ret: r.ret } : { ret: 0, fields: { prot: { mode: k.tables.pgprot2cachemode(r.prot) } } };
    },
  ),
  defineCall(
    { name: 'iomap_free', doc: 'iomap_free(base, size) (32-bit) = memtype_free_io', available: only32('iomap_free'), args: { base: 'phys', size: 'size' } },
    (k, a) => {
      k.memtype.memtypeFree(a.base, a.base + a.size);
      return {};
    },
  ),
  defineCall(
    {
      name: '__iomap_local_pfn_prot',
      doc: '__iomap_local_pfn_prot(pfn, prot) (32-bit): a kmap_local fixmap slot with the prot; UC- for any non-WB prot with PAT off (iomap_32.c)',
      available: only32('__iomap_local_pfn_prot'),
      args: { pfn: 'pfn', prot: 'mode' },
      produces: 'mapping',
    },
    (k, a) => {
      const pfn = a.pfn;
      const va = iomapLocalPfnProt(k, pfn, PAGE_KERNEL | k.tables.cachemode2protval(a.prot));
      if (va === null) return { isNull: true };
      return { handle: { kind: 'mapping', vaddr: va, size: PAGE_SIZE, phys: pfn * PAGE_SIZE, what: '__iomap_local_pfn_prot' }, fields: slotFields(k, va) };
    },
  ),
  defineCall(
    {
      name: 'io_mapping_create_wc',
      doc: 'io_mapping_create_wc(base, size): 32-bit iomap_create_wc (a reservation, pages mapped later), x86-64 ioremap_wc (include/linux/io-mapping.h)',
      args: { base: 'phys', size: 'size' },
      produces: 'mapping',
    },
    (k, a): CallResult => {
      const r = ioMappingCreateWc(k, a.base, a.size);
      if (!r.map) return r.ret ? { isNull: true, fields: { err: r.ret } } : { isNull: true };
      // The handle is the struct io_mapping: its base, size and (x86-64) ioremap address.
      return { handle: { kind: 'mapping', vaddr: r.map.iomem ?? 0, size: r.map.size, phys: r.map.base, what: 'io_mapping' }, fields: { type: { mode: r.map.pcm } } };
    },
  ),
  defineCall(
    {
      name: 'io_mapping_map_local_wc',
      doc: 'io_mapping_map_local_wc(mapping, offset): one page — a fixmap slot with the mapping\'s prot on 32-bit, iomem + offset on x86-64',
      args: { mapping: 'iomap', offset: 'size' },
      produces: 'mapping',
    },
    (k, a) => {
      const m = ioMappingOf(k, a.mapping);
      const off = a.offset;
      const va = ioMappingMapLocalWc(k, m, off);
      if (va === null) return { isNull: true };
      return { handle: { kind: 'mapping', vaddr: va, size: PAGE_SIZE, phys: m.base + off, what: 'io_mapping_map_local_wc' }, fields: slotFields(k, va) };
    },
  ),
  defineCall(
    { name: 'io_mapping_unmap_local', doc: 'io_mapping_unmap_local(vaddr): kunmap_local on 32-bit, nothing on x86-64', args: { addr: 'vaddr' } },
    (k, a) => {
      if (!k.is64) k.highmem.kunmapLocal(a.addr);
      return {};
    },
  ),
  defineCall(
    { name: 'io_mapping_free', doc: 'io_mapping_free(mapping): iomap_free (32-bit) or iounmap (x86-64)', args: { mapping: 'iomap' } },
    (k, a) => {
      ioMappingFree(k, ioMappingOf(k, a.mapping));
      return {};
    },
  ),
];

/** Calls of arch/x86/mm/iomap_32.c exist on 32-bit kernels only. */
function only32(name: string) {
  return (k: K): string | null => (k.is64 ? `${name} exists on 32-bit x86 only (arch/x86/mm/iomap_32.c)` : null);
}

/** Cache mode and address of a newly mapped kernel page. */
function slotFields(k: K, va: number): OutFields {
  return { type: leafMode(k, k.pgtable.lookupAddress(va)), vaddr: kernelVaddr(k, va) };
}

/** The cache mode of a kernel leaf `lookup_address` found (none where it found none). */
function leafMode(k: K, pte: ReturnType<K['pgtable']['lookupAddress']>): OutValue {
  return { mode: pte ? k.tables.leafCachemode(pte.bits, pte.level === '4k' ? '4k' : '2m') : null };
}

/** A kernel virtual address as the kernel prints it: the model's offset plus the layout's bias (a 64-bit address, so a bigint). */
function kernelVaddr(k: K, va: number): OutValue {
  return { addr: k.layout.kvBias + BigInt(va) };
}

/**
 * The `struct io_mapping` behind a handle ([base, size, iomem]). Its prot is
 * not stored in the handle: on 32-bit it is the prot of the mode the
 * reservation made at create time was granted, which `lookup_memtype(base)`
 * returns while that reservation lives (the tree entry, or the page flag for
 * RAM); on x86-64 it is always PAGE_KERNEL_IO + WC.
 */
function ioMappingOf(k: K, [base, size, iomem]: ArgValue['iomap']): IoMapping {
  const pcm = k.is64 ? CM.WC : k.memtype.lookupMemtype(base);
  const m: IoMapping = { base, size, prot: PAGE_KERNEL | 0x40 | 0x100 | k.tables.cachemode2protval(pcm), pcm };
  if (k.is64) m.iomem = iomem;
  return m;
}

