/**
 * Scenario calls for kernel mappings (spec 03): page allocation,
 * `set_memory_*` / `set_pages_*`, ioremap and friends, kmap, vmap — under
 * their kernel names. Calls that a kernel version lacks say so.
 */

import { cattrName, CM, type CacheMode } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import type { MmContext } from '../mm/mm-context.js';
import {
  archIoFreeMemtypeWc,
  archIoReserveMemtypeWc,
  describeIoremap,
  ioremap,
  ioremapCache,
  ioremapProtCall,
  ioremapUc,
  ioremapWc,
  ioremapWt,
  iounmap,
  type IoremapResult,
} from '../mm/ioremap.js';
import type { Gfp } from '../mm/page-alloc.js';
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
} from '../mm/set-memory.js';
import type { CallResult, CallSpec } from './types.js';

type K = MmContext;
const PAGE = 4096;
/** PAGE_KERNEL's non-cache bits (present, rw, accessed, dirty, global). */
const PAGE_KERNEL = 0x1 | 0x2 | 0x20 | 0x40 | 0x100;

const needsApi = (name: string) => (k: K) =>
  setMemoryApiAvailable(k, name) ? null : `${name} does not exist in kernel ${k.machine.kernel} (spec 03 §3)`;

function ioResult(k: K, r: IoremapResult, what: string): CallResult {
  if (r.vaddr === null) return { isNull: true };
  return {
    handle: { kind: 'mapping', vaddr: r.vaddr, size: r.size, phys: r.phys, what },
    fields: { type: cattrName(r.pcm!), vaddr: '0x' + (k.layout.kvBias + BigInt(r.vaddr)).toString(16), mapping: describeIoremap(r) },
  };
}

const ioremapCall = (name: string, fn: (k: K, phys: number, size: number, caller?: string) => IoremapResult, doc: string): CallSpec<K> => ({
  name,
  doc,
  args: [
    { name: 'phys', kind: 'phys' },
    { name: 'size', kind: 'size' },
  ],
  produces: 'mapping',
  run: (k, a) => ioResult(k, fn(k, a['phys'] as number, a['size'] as number, k.memtype.current.comm === 'patlab' ? undefined : k.memtype.current.comm), name),
});

const setMemoryCall = (name: string, fn: (k: K, addr: number, n: number) => number, doc: string): CallSpec<K> => ({
  name,
  doc,
  available: needsApi(name),
  args: [
    { name: 'addr', kind: 'vaddr' },
    { name: 'numpages', kind: 'count' },
  ],
  run: (k, a) => ({ ret: fn(k, a['addr'] as number, a['numpages'] as number) }),
});

const setPagesCall = (name: string, fn: (k: K, pfn: number, n: number) => number, doc: string): CallSpec<K> => ({
  name,
  doc,
  available: needsApi(name),
  args: [
    { name: 'page', kind: 'page' },
    { name: 'numpages', kind: 'count' },
  ],
  run: (k, a) => ({ ret: fn(k, a['page'] as number, a['numpages'] as number) }),
});

const setPagesArrayCall = (name: string, fn: (k: K, pages: ArrayLike<number>) => number, doc: string): CallSpec<K> => ({
  name,
  doc,
  available: needsApi(name),
  args: [{ name: 'pages', kind: 'pages' }],
  run: (k, a) => ({ ret: fn(k, a['pages'] as number[]) }),
});

export const MM_CALLS: CallSpec<K>[] = [
  {
    name: 'alloc_pages',
    doc: 'alloc_pages(gfp, order), repeated `count` times: a pages handle (deterministic allocator, spec/07 (b) 8)',
    args: [
      { name: 'gfp', kind: 'gfp' },
      { name: 'order', kind: 'count', optional: true },
      { name: 'count', kind: 'count', optional: true, doc: 'number of allocations (default 1)' },
    ],
    produces: 'pages',
    run(k, a): CallResult {
      const order = (a['order'] as number | undefined) ?? 0;
      const count = (a['count'] as number | undefined) ?? 1;
      const pfns: number[] = [];
      for (let i = 0; i < count; i++) {
        const pfn = k.allocator.allocPages(a['gfp'] as Gfp, order);
        if (pfn < 0) return { isNull: true, fields: { allocated: i } };
        for (let j = 0; j < 1 << order; j++) pfns.push(pfn + j);
      }
      return { handle: { kind: 'pages', pfns }, fields: { zone: k.zones.zoneOf(pfns[0]!) } };
    },
  },
  {
    name: '__free_pages',
    doc: '__free_pages(page, order) for each page of a handle',
    args: [
      { name: 'pages', kind: 'pages' },
      { name: 'order', kind: 'count', optional: true },
    ],
    run(k, a) {
      const order = (a['order'] as number | undefined) ?? 0;
      const pfns = a['pages'] as number[];
      for (let i = 0; i < pfns.length; i += 1 << order) k.allocator.free(pfns[i]!, order);
      return {};
    },
  },
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
  {
    name: 'ioremap_prot',
    doc: 'ioremap_prot(phys, size, prot): the mode of the prot — spec 03 §4.1',
    args: [
      { name: 'phys', kind: 'phys' },
      { name: 'size', kind: 'size' },
      { name: 'prot', kind: 'mode' },
    ],
    produces: 'mapping',
    run: (k, a) => ioResult(k, ioremapProtCall(k, a['phys'] as number, a['size'] as number, a['prot'] as CacheMode), 'ioremap_prot'),
  },
  {
    name: 'iounmap',
    doc: 'iounmap(addr) — spec 03 §4.4',
    args: [{ name: 'addr', kind: 'vaddr' }],
    run(k, a) {
      iounmap(k, a['addr'] as number);
      return {};
    },
  },
  {
    name: 'arch_io_reserve_memtype_wc',
    doc: 'arch_io_reserve_memtype_wc(start, size) — spec 02 §14',
    args: [
      { name: 'start', kind: 'phys' },
      { name: 'size', kind: 'size' },
    ],
    run: (k, a) => ({ ret: archIoReserveMemtypeWc(k, a['start'] as number, a['size'] as number) }),
  },
  {
    name: 'arch_io_free_memtype_wc',
    doc: 'arch_io_free_memtype_wc(start, size) — spec 02 §14',
    args: [
      { name: 'start', kind: 'phys' },
      { name: 'size', kind: 'size' },
    ],
    run(k, a) {
      archIoFreeMemtypeWc(k, a['start'] as number, a['size'] as number);
      return {};
    },
  },
  {
    name: 'kmap',
    doc: 'kmap(page): a persistent WB kernel mapping (the direct map on x86-64) — spec 03 §5.2',
    args: [{ name: 'page', kind: 'page' }],
    produces: 'mapping',
    run: (k, a) => {
      const va = k.highmem.kmap(a['page'] as number);
      return { handle: { kind: 'mapping', vaddr: va, size: PAGE, phys: (a['page'] as number) * PAGE, what: 'kmap' } };
    },
  },
  {
    name: 'kunmap',
    doc: 'kunmap(page)',
    args: [{ name: 'page', kind: 'page' }],
    run: (k, a) => {
      k.highmem.kunmap(a['page'] as number);
      return {};
    },
  },
  {
    name: 'kmap_local_page',
    doc: 'kmap_local_page(page): a temporary WB mapping (fixmap slot on 32-bit) — spec 03 §5.2',
    args: [{ name: 'page', kind: 'page' }],
    produces: 'mapping',
    run: (k, a) => {
      const va = k.highmem.kmapLocalPage(a['page'] as number);
      return { handle: { kind: 'mapping', vaddr: va, size: PAGE, phys: (a['page'] as number) * PAGE, what: 'kmap_local_page' } };
    },
  },
  {
    name: 'kmap_local_page_prot',
    doc: 'kmap_local_page_prot(page, prot): a temporary mapping with the given cache mode — spec 03 §5.2, 05 §1',
    args: [
      { name: 'page', kind: 'page' },
      { name: 'prot', kind: 'mode' },
    ],
    produces: 'mapping',
    run: (k, a) => {
      const bits = PAGE_KERNEL | k.tables.cachemode2protval(a['prot'] as CacheMode);
      const va = k.highmem.kmapLocalPageProt(a['page'] as number, bits);
      return { handle: { kind: 'mapping', vaddr: va, size: PAGE, phys: (a['page'] as number) * PAGE, what: 'kmap_local_page_prot' } };
    },
  },
  {
    name: 'kunmap_local',
    doc: 'kunmap_local(addr)',
    args: [{ name: 'addr', kind: 'vaddr' }],
    run: (k, a) => {
      k.highmem.kunmapLocal(a['addr'] as number);
      return {};
    },
  },
  {
    name: 'vmap',
    doc: 'vmap(pages, count, VM_MAP, prot): a kernel alias with the given cache mode, PAT not consulted — spec 03 §5.2',
    args: [
      { name: 'pages', kind: 'pages' },
      { name: 'prot', kind: 'mode', optional: true },
    ],
    produces: 'mapping',
    run: (k, a) => {
      const pfns = a['pages'] as number[];
      const mode = (a['prot'] as CacheMode | undefined) ?? CM.WB;
      const bits = PAGE_KERNEL | (k.tables.cachemode2protval(mode) & PAGE_CACHE_MASK);
      const va = k.vmalloc.vmap(pfns, bits);
      if (va === null) return { isNull: true };
      return { handle: { kind: 'mapping', vaddr: va, size: pfns.length * PAGE, what: 'vmap' }, fields: { type: cattrName(mode) } };
    },
  },
  {
    name: 'vunmap',
    doc: 'vunmap(addr)',
    args: [{ name: 'addr', kind: 'vaddr' }],
    run: (k, a) => {
      k.vmalloc.vunmap(a['addr'] as number);
      return {};
    },
  },
];
