/**
 * Scenario calls for the drivers that stress PAT (spec 05): TTM (device,
 * BO/tt, page pool, mmap and fault, kernel maps, backup, shrinker) and KVM
 * (memslots, `hva_to_pfn`, release) — under their kernel names.
 *
 * A BO is a `bo` handle (`ttm_bo_create ... as: bo`). TTM calls made before
 * any `ttm_device_init` use a default device (no dma-alloc, no dma32).
 * `ttm_tt_pages` and `ttm_page_pool` are inspection steps, not kernel
 * functions: they read `tt->pages` and the `ttm/page_pool` debugfs counts.
 */

import { subsystemKey } from '../subsystems.js';
import { cattrName, CM, type CacheMode } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import type { MmContext } from '../mm/mm-context.js';
import { NotModelledError } from '../not-modelled.js';
import { ImpossibleRequestError } from '../impossible.js';
import { vmFaultName } from '../vm/fault.js';
import { hvaToPfn, kvmReleasePfn, kvmVcpuMap, kvmVcpuUnmap } from '../drivers/kvm/hva-to-pfn.js';
import { kvmOf, kvmSetMemoryRegion } from '../drivers/kvm/kvm.js';
import { refHazards } from '../drivers/page-refs.js';
import { ttmBoTryCreate, ttmTtPopulate, ttmTtUnpopulate, type TtmBo } from '../drivers/ttm/bo.js';
import { ttmCachingFromMode, ttmCachingName } from '../drivers/ttm/caching.js';
import { ttmDeviceInit, type TtmDevice } from '../drivers/ttm/device.js';
import { ttmBoVmFault } from '../drivers/ttm/fault.js';
import { ttmBoKmap, ttmBoKunmap, ttmBoVmap, ttmKmapIterTtMapLocal, type TtmBoKmapObj } from '../drivers/ttm/kmap.js';
import { ttmBoMmap, ttmBoOfVma, ttmBoPut, ttmBoUnmapVirtual, ttmReap } from '../drivers/ttm/mmap.js';
import { currentMm } from '../vm/mm.js';
import { ttmPoolAlloc, ttmPoolBackup, ttmPoolFree, ttmPoolShrinkerScan } from '../drivers/ttm/pool.js';
import { ttmGlobalOf } from '../drivers/ttm/ttm-global.js';
import type { ArgSpec, Args, CallResult, CallSpec } from './types.js';
import { PAGE_SIZE } from '../../hw/page.js';

type K = MmContext;

/** Kernel maps made by `ttm_bo_kmap`/`ttm_bo_vmap`, by address, until unmapped. */
const KMAPS = subsystemKey('ttm-bo-kmaps', () => new Map<number, TtmBoKmapObj>());
function kmaps(k: K): Map<number, TtmBoKmapObj> {
  return k.subsystems.get(KMAPS);
}

function device(k: K, id?: number): TtmDevice {
  const g = ttmGlobalOf(k);
  const devs = g?.devices ?? [];
  if (devs.length === 0) return ttmDeviceInit(k);
  const d = devs[(id ?? 1) - 1];
  if (!d) throw new NotModelledError(`no TTM device ${id}: ttm_device_init made ${devs.length}`);
  return d;
}

/** The BO of a `bo` argument; the deferred VMA closes run first (kernel/drivers/ttm/mmap.ts). */
function boArg(k: K, a: Args): TtmBo {
  ttmReap(k);
  const id = a['bo'] as number;
  const bo = ttmGlobalOf(k)?.bos.get(id);
  if (!bo) throw new NotModelledError(`buffer object ${id} was released (use after ttm_bo_put)`);
  return bo;
}

const boArgSpec = { name: 'bo', kind: 'bo' as const };
const hex = (v: number): string => '0x' + v.toString(16);

function tt(bo: TtmBo) {
  if (!bo.ttm) throw new NotModelledError(`BO ${bo.id} is VRAM: it has no tt`);
  return bo.ttm;
}

function poolFields(k: K): Record<string, number> {
  const g = ttmGlobalOf(k);
  if (!g) return { allocated_pages: 0 };
  return { allocated_pages: g.allocatedPages, page_pool_size: g.pagePoolSize, ...g.poolContents() };
}

/** Fields describing page `pfn`: zone kind and its PAT page-flag memtype. */
function pageFields(k: K, pfn: number): Record<string, string | number | boolean> {
  return { pfn: hex(pfn), highmem: k.pages.isHighMem(pfn), page_memtype: cattrName(k.memtype.pages.get(pfn)) };
}

/** `pfns:` of a populate: the pages a real kernel's pool gave the tt, one per page (patlab probe's replay). */
export const replayPfnsSpec: ArgSpec = { name: 'pfns', kind: 'pages', optional: true, doc: "the tt's pages as a real machine's pool gave them, one per page: fresh blocks are taken there (replays a real machine)" };

const TTM_CALLS: CallSpec<K>[] = [
  {
    name: 'ttm_device_init',
    doc: 'ttm_device_init(bdev, ..., alloc_flags): a TTM device and its pool; the first one runs ttm_global_init (page_pool_size = RAM/2 by default) — spec 05 §3.1',
    args: [
      { name: 'use_dma_alloc', kind: 'bool', optional: true, doc: 'TTM_ALLOCATION_POOL_USE_DMA_ALLOC (default false)' },
      { name: 'use_dma32', kind: 'bool', optional: true, doc: 'TTM_ALLOCATION_POOL_USE_DMA32: GFP_DMA32 instead of GFP_HIGHUSER (default false)' },
      { name: 'page_pool_size', kind: 'count', optional: true, doc: 'module parameter, pages (default half of RAM)' },
    ],
    run(k, a) {
      const o: Parameters<typeof ttmDeviceInit>[1] = {};
      if (a['use_dma_alloc'] !== undefined) o.useDmaAlloc = a['use_dma_alloc'] as boolean;
      if (a['use_dma32'] !== undefined) o.useDma32 = a['use_dma32'] as boolean;
      if (a['page_pool_size'] !== undefined) o.pagePoolSize = a['page_pool_size'] as number;
      const d = ttmDeviceInit(k, o);
      return { ret: 0, fields: { device: d.id, page_pool_size: ttmGlobalOf(k)!.pagePoolSize } };
    },
  },
  {
    name: 'ttm_bo_create',
    doc: 'ttm_bo_init_reserved + the driver\'s ttm_tt_create → ttm_tt_init(caching): a BO of `size` bytes; with bus_offset a VRAM BO with bus.caching — spec 05 §2',
    args: [
      { name: 'size', kind: 'size' },
      { name: 'caching', kind: 'mode', doc: 'WC → ttm_write_combined, UC/UC- → ttm_uncached, WB → ttm_cached' },
      { name: 'bus_offset', kind: 'phys', optional: true, doc: 'VRAM placement at this BAR address' },
      { name: 'device', kind: 'count', optional: true },
    ],
    produces: 'bo',
    run(k, a) {
      ttmReap(k);
      const caching = ttmCachingFromMode(a['caching'] as CacheMode);
      const o: Parameters<typeof ttmBoTryCreate>[3] = { caching, placement: a['bus_offset'] === undefined ? 'tt' : 'vram' };
      if (a['bus_offset'] !== undefined) o.busOffset = a['bus_offset'] as number;
      const bo = ttmBoTryCreate(k, device(k, a['device'] as number | undefined), Math.ceil((a['size'] as number) / PAGE_SIZE), o);
      if (typeof bo === 'number') return { ret: bo };
      return { handle: { kind: 'bo', id: bo.id }, fields: { caching: ttmCachingName(caching), pages: bo.numPages, placement: bo.resource.memType } };
    },
  },
  {
    name: 'ttm_tt_populate',
    doc: 'ttm_tt_populate(bdev, ttm, ctx) → ttm_pool_alloc: pages from the pool or GFP_HIGHUSER/GFP_DMA32, caching applied to lowmem pages — spec 05 §3.2, §3.3',
    args: [boArgSpec, replayPfnsSpec],
    run(k, a) {
      const bo = boArg(k, a);
      const r = withReplay(bo, a['pfns'] as number[] | undefined, () => ttmTtPopulate(k, bo));
      return populateResult(k, bo, r.ret, r.stats);
    },
  },
  {
    name: 'ttm_pool_alloc',
    doc: 'ttm_pool_alloc(pool, tt, ctx) directly (no ttm_tt page accounting) — spec 05 §3.2',
    args: [boArgSpec, replayPfnsSpec],
    run(k, a) {
      const bo = boArg(k, a);
      const t = tt(bo);
      if (t.populated) return { ret: 0 };
      const r = withReplay(bo, a['pfns'] as number[] | undefined, () => ttmPoolAlloc(k, bo.dev.pool, t));
      return populateResult(k, bo, r.ret, r.stats);
    },
  },
  {
    name: 'ttm_tt_pages',
    pure: true,
    doc: 'inspection, not a kernel call: the tt\'s pages (tt->pages) as a pages handle',
    args: [boArgSpec],
    produces: 'pages',
    run(k, a) {
      const t = tt(boArg(k, a));
      const pfns = Array.from(t.pages).filter((p) => p >= 0);
      return { handle: { kind: 'pages', pfns }, fields: { pages: pfns.length, ...(pfns.length ? pageFields(k, pfns[0]!) : {}) } };
    },
  },
  {
    name: 'ttm_tt_unpopulate',
    doc: 'ttm_tt_unpopulate(bdev, ttm) → ttm_pool_free: pages back to the WC/UC pool (caching kept) or set_pages_wb + freed; shrink over page_pool_size — spec 05 §3.4',
    args: [boArgSpec],
    run(k, a) {
      ttmTtUnpopulate(k, boArg(k, a));
      return { ret: 0, fields: poolFields(k) };
    },
  },
  {
    name: 'ttm_pool_free',
    doc: 'ttm_pool_free(pool, tt) directly (no ttm_tt accounting) — spec 05 §3.4',
    args: [boArgSpec],
    run(k, a) {
      const bo = boArg(k, a);
      const t = tt(bo);
      if (t.populated) ttmPoolFree(k, bo.dev.pool, t);
      return { ret: 0, fields: poolFields(k) };
    },
  },
  {
    name: 'ttm_pool_backup',
    doc: 'ttm_pool_backup(pool, tt, {purge}): set_pages_array_wb on ALL pages of a non-cached tt (highmem included: oops on 32-bit), then purge or back up — spec 05 §3.4, spec/07 A3',
    available: (k) =>
      k.machine.kernel === 'mainline' ? null : `ttm_pool_backup does not exist in kernel ${k.machine.kernel} (added with the TTM shrinker helpers, believed v6.15)`,
    args: [boArgSpec, { name: 'purge', kind: 'bool', optional: true }],
    run(k, a) {
      const bo = boArg(k, a);
      const r = ttmPoolBackup(k, bo.dev.pool, tt(bo), (a['purge'] as boolean | undefined) ?? false);
      return r < 0 ? { ret: r } : { ret: 0, fields: { shrunken: r } };
    },
  },
  {
    name: 'ttm_pool_shrink',
    doc: 'the drm-ttm_pool shrinker scan (ttm_pool_shrinker_scan → ttm_pool_shrink): free pooled pages, set_pages_wb on lowmem ones — spec 05 §3.4',
    args: [{ name: 'nr_to_scan', kind: 'count', optional: true, doc: 'default: every pooled page' }],
    run(k, a) {
      if (!ttmGlobalOf(k)) return { ret: 0, fields: { freed: 0 } };
      const freed = ttmPoolShrinkerScan(k, a['nr_to_scan'] as number | undefined);
      return { ret: 0, fields: { freed, ...poolFields(k) } };
    },
  },
  {
    name: 'ttm_page_pool',
    pure: true,
    doc: 'inspection, not a kernel call: the debugfs ttm/page_pool counts (pages per pooled caching × order, allocated_pages)',
    args: [],
    run: (k) => ({ ret: 0, fields: poolFields(k) }),
  },
  {
    name: 'ttm_bo_mmap_obj',
    doc: 'mmap of the BO\'s fake offset by the current process → ttm_bo_mmap_obj: VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP, no PTE, no reservation — spec 05 §4.1',
    args: [
      boArgSpec,
      { name: 'shared', kind: 'bool', optional: true, doc: 'MAP_SHARED (default true); MAP_PRIVATE+writable → -EINVAL' },
      { name: 'write', kind: 'bool', optional: true, doc: 'PROT_WRITE (default true)' },
      { name: 'offset', kind: 'count', optional: true, doc: 'first BO page (default 0)' },
      { name: 'pages', kind: 'count', optional: true },
    ],
    produces: 'mapping',
    run(k, a) {
      const bo = boArg(k, a);
      const o: Parameters<typeof ttmBoMmap>[2] = {};
      if (a['shared'] !== undefined) o.shared = a['shared'] as boolean;
      if (a['write'] !== undefined) o.write = a['write'] as boolean;
      if (a['offset'] !== undefined) o.offsetPages = a['offset'] as number;
      if (a['pages'] !== undefined) o.pages = a['pages'] as number;
      const r = ttmBoMmap(k, bo, o);
      if (!r.vma) return { ret: r.ret };
      const v = r.vma;
      return { handle: { kind: 'mapping', vaddr: v.start, size: v.end - v.start, what: 'ttm_bo_mmap_obj' }, fields: { addr: hex(v.start), type: cattrName(k.tables.pgprot2cachemode(v.pageProt & PAGE_CACHE_MASK)) } };
    },
  },
  {
    name: 'ttm_bo_vm_fault',
    doc: 'a CPU fault at a user address of a BO mapping → ttm_bo_vm_fault → ttm_bo_vm_fault_reserved: populate, then up to TTM_BO_VM_NUM_PREFAULT vmf_insert_pfn_prot (PAT lookup) — spec 05 §4.2, §4.3, 06 §2',
    args: [
      { name: 'addr', kind: 'vaddr', doc: 'user address (a ttm_bo_mmap_obj handle, +offset)' },
      { name: 'write', kind: 'bool', optional: true },
      replayPfnsSpec,
    ],
    run(k, a) {
      ttmReap(k);
      const addr = a['addr'] as number;
      // The fault populates the tt: a replay gives its pages where a real kernel's pool put them.
      const r = withReplayAt(k, addr, a['pfns'] as number[] | undefined, () => ttmBoVmFault(k, addr));
      const fields: Record<string, string | number | boolean> = { fault: vmFaultName(r.ret), prefaulted: r.inserted };
      if (r.bo) fields['requested'] = cattrName(k.tables.pgprot2cachemode(r.requestedProt & PAGE_CACHE_MASK));
      const v = r.vma;
      if (v) {
        const s = v.slot(addr);
        const e = v.ptes.entry(s);
        if (e) {
          const pfn = e.pfn;
          fields['type'] = cattrName(k.tables.pgprot2cachemode(e.bits & PAGE_CACHE_MASK));
          Object.assign(fields, pageFields(k, pfn));
        }
      }
      return { fields };
    },
  },
  {
    name: 'ttm_bo_unmap_virtual',
    doc: 'ttm_bo_unmap_virtual(bo) → unmap_mapping_range: zap the BO\'s user PTEs in every process (before a move or free) — spec 05 §4.3',
    args: [boArgSpec],
    run: (k, a) => ({ ret: 0, fields: { zapped: ttmBoUnmapVirtual(k, boArg(k, a)) } }),
  },
  {
    name: 'ttm_bo_kmap',
    doc: 'ttm_bo_kmap(bo, start_page, num_pages): kmap (WB) for one page of a cached tt, else vmap with ttm_prot_from_caching(caching, PAGE_KERNEL) — spec 05 §4.3',
    args: [boArgSpec, { name: 'start', kind: 'count', optional: true }, { name: 'num_pages', kind: 'count', optional: true }],
    produces: 'mapping',
    run(k, a) {
      const bo = boArg(k, a);
      const r = ttmBoKmap(k, bo, (a['start'] as number | undefined) ?? 0, (a['num_pages'] as number | undefined) ?? 1);
      return kmapResult(k, r, 'ttm_bo_kmap');
    },
  },
  {
    name: 'ttm_bo_kunmap',
    doc: 'ttm_bo_kunmap(map)',
    args: [{ name: 'addr', kind: 'vaddr' }],
    run: (k, a) => unmapKmap(k, a['addr'] as number),
  },
  {
    name: 'ttm_bo_vmap',
    doc: 'ttm_bo_vmap(bo, map): the whole BO, vmap with the tt\'s caching (ioremap by bus.caching for VRAM) — spec 05 §4.3',
    args: [boArgSpec],
    produces: 'mapping',
    run: (k, a) => kmapResult(k, ttmBoVmap(k, boArg(k, a)), 'ttm_bo_vmap'),
  },
  {
    name: 'ttm_bo_vunmap',
    doc: 'ttm_bo_vunmap(bo, map)',
    args: [{ name: 'addr', kind: 'vaddr' }],
    run: (k, a) => unmapKmap(k, a['addr'] as number),
  },
  {
    name: 'ttm_kmap_iter_tt_map_local',
    doc: 'ttm_kmap_iter_tt_map_local: kmap_local_page_prot(tt->pages[i], ttm_prot_from_caching(caching, PAGE_KERNEL)) as TTM\'s copies use it; unmap with kunmap_local — spec 05 §4.3, 06 §2',
    args: [boArgSpec, { name: 'index', kind: 'count', optional: true }],
    produces: 'mapping',
    run(k, a) {
      const r = ttmKmapIterTtMapLocal(k, boArg(k, a), (a['index'] as number | undefined) ?? 0);
      if (r.ret) return { ret: r.ret };
      return {
        handle: { kind: 'mapping', vaddr: r.vaddr!, size: PAGE_SIZE, phys: r.pfn! * PAGE_SIZE, what: 'kmap_local_page_prot' },
        fields: { type: cattrName(r.mode!), new_mapping: r.newMapping!, ...pageFields(k, r.pfn!) },
      };
    },
  },
  {
    name: 'ttm_bo_put',
    doc: 'ttm_bo_put(bo): drop the creator\'s reference; the BO (and its tt pages) is released when no VMA maps it any more — spec 05 §4.1',
    args: [boArgSpec],
    run(k, a) {
      ttmBoPut(k, boArg(k, a));
      return { ret: 0, fields: poolFields(k) };
    },
  },
];

/** {@link withReplay} for the BO mapped at user address `addr` (a fault or touch there populates its tt); `f` alone where none is. */
export function withReplayAt<T>(k: K, addr: number, pfns: number[] | undefined, f: () => T): T {
  const vma = currentMm(k).vmaLookup(addr);
  const bo = vma ? ttmBoOfVma(k, vma) : null;
  return bo ? withReplay(bo, pfns, f) : f();
}

/** Run `f` with the tt's pages taken where a real kernel's pool put them (`pfns:`, patlab probe's replay). */
function withReplay<T>(bo: TtmBo, pfns: number[] | undefined, f: () => T): T {
  const t = bo.ttm;
  if (!t || pfns === undefined) return f();
  if (pfns.length !== t.numPages) throw new ImpossibleRequestError(`pfns names ${pfns.length} page(s), the tt has ${t.numPages}`);
  t.replay = pfns;
  try {
    return f();
  } finally {
    t.replay = null;
  }
}

function populateResult(k: K, bo: TtmBo, ret: number, s: { fromPool: number; fresh: number; highmem: number; cachingApplied: number } | null): CallResult {
  const fields: Record<string, string | number | boolean> = {};
  if (s) Object.assign(fields, { from_pool: s.fromPool, fresh: s.fresh, highmem_pages: s.highmem, caching_applied: s.cachingApplied });
  const first = bo.ttm?.pages[0] ?? -1;
  if (first >= 0) Object.assign(fields, pageFields(k, first));
  return { ret, fields };
}

function kmapResult(k: K, r: { ret: number; map?: TtmBoKmapObj }, what: string): CallResult {
  if (!r.map) return { ret: r.ret };
  kmaps(k).set(r.map.vaddr, r.map);
  return { handle: { kind: 'mapping', vaddr: r.map.vaddr, size: r.map.npages * PAGE_SIZE, what }, fields: { type: cattrName(r.map.mode), how: r.map.kind } };
}

function unmapKmap(k: K, addr: number): CallResult {
  const m = kmaps(k).get(addr);
  if (!m) throw new NotModelledError(`no ttm_bo_kmap/ttm_bo_vmap mapping at 0x${addr.toString(16)}`);
  kmaps(k).delete(addr);
  ttmBoKunmap(k, m);
  return { ret: 0 };
}

const KVM_CALLS: CallSpec<K>[] = [
  {
    name: 'kvm_set_memory_region',
    doc: 'KVM_SET_USER_MEMORY_REGION → kvm_set_memory_region: a memslot over the current process\'s user addresses (the VM is created on first use) — spec 05 §5',
    args: [
      { name: 'slot', kind: 'count' },
      { name: 'guest_phys_addr', kind: 'phys' },
      { name: 'memory_size', kind: 'size' },
      { name: 'userspace_addr', kind: 'vaddr' },
      { name: 'legacy_get_page', kind: 'bool', optional: true, doc: 'pre-2021 refcounting (get_page on any valid pfn; CVE-2021-22543)' },
      { name: 'allow_unsafe_mappings', kind: 'bool', optional: true, doc: 'kvm module parameter (v6.13+), default false' },
    ],
    run(k, a) {
      const vm = kvmOf(k, { legacyGetPage: a['legacy_get_page'] as boolean | undefined, allowUnsafeMappings: a['allow_unsafe_mappings'] as boolean | undefined });
      const ret = kvmSetMemoryRegion(k, a['slot'] as number, a['guest_phys_addr'] as number, a['memory_size'] as number, a['userspace_addr'] as number);
      return { ret, fields: { refcounting: vm.refMode } };
    },
  },
  {
    name: 'hva_to_pfn',
    doc: 'hva_to_pfn for a guest physical address: GUP (reference) or, for VM_IO|VM_PFNMAP, hva_to_pfn_remapped (TTM fault via fixup_user_fault; reference per kernel version) — spec 05 §5',
    args: [
      { name: 'gpa', kind: 'phys' },
      { name: 'write', kind: 'bool', optional: true },
      { name: 'pin', kind: 'bool', optional: true, doc: 'a caller outside MMU-notifier protection (__kvm_vcpu_map)' },
    ],
    produces: 'pages',
    run(k, a): CallResult {
      const r = hvaToPfn(k, kvmOf(k), a['gpa'] as number, { write: (a['write'] as boolean | undefined) ?? false, pin: (a['pin'] as boolean | undefined) ?? false });
      if (r.err) return { isNull: true, fields: { err: r.err, path: r.path } };
      return { handle: { kind: 'pages', pfns: [r.pfn] }, fields: { refcounted: r.refcounted, writable: r.writable, path: r.path, ...pageFields(k, r.pfn) } };
    },
  },
  {
    name: 'kvm_release_pfn',
    doc: 'kvm_release_pfn(pfn, dirty) / kvm_release_page_clean: drop what hva_to_pfn took (put_page if refcounted) — spec 05 §5',
    args: [{ name: 'pfn', kind: 'pfn' }],
    run(k, a) {
      const ok = kvmReleasePfn(k, kvmOf(k), a['pfn'] as number);
      return { ret: ok ? 0 : -22, fields: { hazards: refHazards(k).length } };
    },
  },
  {
    name: 'kvm_vcpu_map',
    doc: '__kvm_vcpu_map(vcpu, gpa): hva_to_pfn with pin (refused without allow_unsafe_mappings on v6.13+), then kmap — a WB kernel alias — spec 05 §5',
    args: [{ name: 'gpa', kind: 'phys' }],
    produces: 'pages',
    run(k, a): CallResult {
      const r = kvmVcpuMap(k, kvmOf(k), a['gpa'] as number);
      if (r.vaddr === null) return { isNull: true, fields: { err: r.r.err ?? 'KVM_PFN_ERR_FAULT' } };
      return { handle: { kind: 'pages', pfns: [r.r.pfn] }, fields: { type: cattrName(CM.WB), refcounted: r.r.refcounted, ...pageFields(k, r.r.pfn) } };
    },
  },
  {
    name: 'kvm_vcpu_unmap',
    doc: 'kvm_vcpu_unmap(vcpu, map): kunmap and release',
    args: [{ name: 'page', kind: 'page' }],
    run(k, a) {
      kvmVcpuUnmap(k, kvmOf(k), a['page'] as number);
      return { ret: 0 };
    },
  },
];

export const DRIVER_CALLS: CallSpec<K>[] = [...TTM_CALLS, ...KVM_CALLS];
