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

import { subsystemKey } from '../kernel/subsystems.js';
import { CM, type CacheMode } from '../hw/cache-mode.js';
import { hex } from '../hw/hex.js';
import { PAGE_CACHE_MASK } from '../hw/pte.js';
import { NotModelledError } from '../kernel/not-modelled.js';
import { ImpossibleRequestError } from '../kernel/impossible.js';
import { hvaToPfn, kvmReleasePfn, kvmVcpuMap, kvmVcpuUnmap } from '../kernel/drivers/kvm/hva-to-pfn.js';
import { kvmOf, kvmSetMemoryRegion } from '../kernel/drivers/kvm/kvm.js';
import { refHazards } from '../kernel/drivers/page-refs.js';
import { ttmBoTryCreate, ttmTtPopulate, ttmTtUnpopulate, type TtmBo } from '../kernel/drivers/ttm/bo.js';
import { ttmCachingFromMode } from '../kernel/drivers/ttm/caching.js';
import { ttmDeviceInit, type TtmDevice } from '../kernel/drivers/ttm/device.js';
import { ttmBoVmFault } from '../kernel/drivers/ttm/fault.js';
import { ttmBoKmap, ttmBoKunmap, ttmBoVmap, ttmKmapIterTtMapLocal, type TtmBoKmapObj } from '../kernel/drivers/ttm/kmap.js';
import { ttmBoMmap, ttmBoOfVma, ttmBoPut, ttmBoUnmapVirtual, ttmReap } from '../kernel/drivers/ttm/mmap.js';
import { currentMm } from '../kernel/vm/mm.js';
import { ttmPoolAlloc, ttmPoolBackup, ttmPoolFree, ttmPoolShrinkerScan } from '../kernel/drivers/ttm/pool.js';
import { ttmGlobalOf } from '../kernel/drivers/ttm/ttm-global.js';
import { defineCall, opt, type CallKernel } from './define.js';
import type { CallResult, CallSpec, OutFields } from './types.js';
import { PAGE_SIZE } from '../hw/page.js';

type K = CallKernel;

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
function boArg(k: K, a: { bo: number }): TtmBo {
  ttmReap(k);
  const id = a.bo;
  const bo = ttmGlobalOf(k)?.bos.get(id);
  if (!bo) throw new NotModelledError(`buffer object ${id} was released (use after ttm_bo_put)`);
  return bo;
}

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
function pageFields(k: K, pfn: number): OutFields {
  return { pfn: { addr: pfn }, highmem: k.pages.isHighMem(pfn), page_memtype: { mode: k.memtype.pages.get(pfn) as CacheMode } };
}

/** `pfns:` of a populate: the pages a real kernel's pool gave the tt, one per page (patlab probe's replay). */
export const REPLAY_PFNS = opt('pages', "the tt's pages as a real machine's pool gave them, one per page: fresh blocks are taken there (replays a real machine)");

const TTM_CALLS: CallSpec<K>[] = [
  defineCall(
    {
      name: 'ttm_device_init',
      doc: 'ttm_device_init(bdev, ..., alloc_flags): a TTM device and its pool; the first one runs ttm_global_init (page_pool_size = RAM/2 by default) — spec 05 §3.1',
      args: {
        use_dma_alloc: opt('bool', 'TTM_ALLOCATION_POOL_USE_DMA_ALLOC (default false)'),
        use_dma32: opt('bool', 'TTM_ALLOCATION_POOL_USE_DMA32: GFP_DMA32 instead of GFP_HIGHUSER (default false)'),
        page_pool_size: opt('count', 'module parameter, pages (default half of RAM)'),
      },
    },
    (k, a) => {
      const o: Parameters<typeof ttmDeviceInit>[1] = {};
      if (a.use_dma_alloc !== undefined) o.useDmaAlloc = a.use_dma_alloc;
      if (a.use_dma32 !== undefined) o.useDma32 = a.use_dma32;
      if (a.page_pool_size !== undefined) o.pagePoolSize = a.page_pool_size;
      const d = ttmDeviceInit(k, o);
      return { ret: 0, fields: { device: d.id, page_pool_size: ttmGlobalOf(k)!.pagePoolSize } };
    },
  ),
  defineCall(
    {
      name: 'ttm_bo_create',
      doc: 'ttm_bo_init_reserved + the driver\'s ttm_tt_create → ttm_tt_init(caching): a BO of `size` bytes; with bus_offset a VRAM BO with bus.caching — spec 05 §2',
      args: {
        size: 'size',
        caching: { kind: 'mode', doc: 'WC → ttm_write_combined, UC/UC- → ttm_uncached, WB → ttm_cached' },
        bus_offset: opt('phys', 'VRAM placement at this BAR address'),
        device: opt('count'),
      },
      produces: 'bo',
    },
    (k, a) => {
      ttmReap(k);
      const caching = ttmCachingFromMode(a.caching);
      const o: Parameters<typeof ttmBoTryCreate>[3] = { caching, placement: a.bus_offset === undefined ? 'tt' : 'vram' };
      if (a.bus_offset !== undefined) o.busOffset = a.bus_offset;
      const bo = ttmBoTryCreate(k, device(k, a.device), Math.ceil(a.size / PAGE_SIZE), o);
      if (typeof bo === 'number') return { ret: bo };
      return { handle: { kind: 'bo', id: bo.id }, fields: { caching: { caching }, pages: bo.numPages, placement: bo.resource.memType } };
    },
  ),
  defineCall(
    {
      name: 'ttm_tt_populate',
      doc: 'ttm_tt_populate(bdev, ttm, ctx) → ttm_pool_alloc: pages from the pool or GFP_HIGHUSER/GFP_DMA32, caching applied to lowmem pages — spec 05 §3.2, §3.3',
      args: { bo: 'bo', pfns: REPLAY_PFNS },
    },
    (k, a) => {
      const bo = boArg(k, a);
      const r = withReplay(bo, a.pfns, () => ttmTtPopulate(k, bo));
      return populateResult(k, bo, r.ret, r.stats);
    },
  ),
  defineCall(
    { name: 'ttm_pool_alloc', doc: 'ttm_pool_alloc(pool, tt, ctx) directly (no ttm_tt page accounting) — spec 05 §3.2', args: { bo: 'bo', pfns: REPLAY_PFNS } },
    (k, a) => {
      const bo = boArg(k, a);
      const t = tt(bo);
      if (t.populated) return { ret: 0 };
      const r = withReplay(bo, a.pfns, () => ttmPoolAlloc(k, bo.dev.pool, t));
      return populateResult(k, bo, r.ret, r.stats);
    },
  ),
  defineCall(
    { name: 'ttm_tt_pages', pure: true, doc: 'inspection, not a kernel call: the tt\'s pages (tt->pages) as a pages handle', args: { bo: 'bo' }, produces: 'pages' },
    (k, a) => {
      const t = tt(boArg(k, a));
      // An indexed loop: Array.from of a 10^5-page tt, then filter, took 7-12 ms against 3-4.
      const all = t.pages;
      const pfns: number[] = [];
      for (let i = 0; i < all.length; i++) if (all[i]! >= 0) pfns.push(all[i]!);
      return { handle: { kind: 'pages', pfns }, fields: { pages: pfns.length, ...(pfns.length ? pageFields(k, pfns[0]!) : {}) } };
    },
  ),
  defineCall(
    {
      name: 'ttm_tt_unpopulate',
      doc: 'ttm_tt_unpopulate(bdev, ttm) → ttm_pool_free: pages back to the WC/UC pool (caching kept) or set_pages_wb + freed; shrink over page_pool_size — spec 05 §3.4',
      args: { bo: 'bo' },
    },
    (k, a) => {
      ttmTtUnpopulate(k, boArg(k, a));
      return { ret: 0, fields: poolFields(k) };
    },
  ),
  defineCall(
    { name: 'ttm_pool_free', doc: 'ttm_pool_free(pool, tt) directly (no ttm_tt accounting) — spec 05 §3.4', args: { bo: 'bo' } },
    (k, a) => {
      const bo = boArg(k, a);
      const t = tt(bo);
      if (t.populated) ttmPoolFree(k, bo.dev.pool, t);
      return { ret: 0, fields: poolFields(k) };
    },
  ),
  defineCall(
    {
      name: 'ttm_pool_backup',
      doc: 'ttm_pool_backup(pool, tt, {purge}): set_pages_array_wb on ALL pages of a non-cached tt (highmem included: oops on 32-bit), then purge or back up — spec 05 §3.4, spec/07 A3',
      available: (k) =>
      k.machine.kernel === 'mainline' ? null : `ttm_pool_backup does not exist in kernel ${k.machine.kernel} (added with the TTM shrinker helpers, believed v6.15)`,
      args: { bo: 'bo', purge: opt('bool') },
    },
    (k, a) => {
      const bo = boArg(k, a);
      const r = ttmPoolBackup(k, bo.dev.pool, tt(bo), a.purge ?? false);
      return r < 0 ? { ret: r } : { ret: 0, fields: { shrunken: r } };
    },
  ),
  defineCall(
    {
      name: 'ttm_pool_shrink',
      doc: 'the drm-ttm_pool shrinker scan (ttm_pool_shrinker_scan → ttm_pool_shrink): free pooled pages, set_pages_wb on lowmem ones — spec 05 §3.4',
      args: { nr_to_scan: opt('count', 'default: every pooled page') },
    },
    (k, a) => {
      if (!ttmGlobalOf(k)) return { ret: 0, fields: { freed: 0 } };
      const freed = ttmPoolShrinkerScan(k, a.nr_to_scan);
      return { ret: 0, fields: { freed, ...poolFields(k) } };
    },
  ),
  defineCall(
    {
      name: 'ttm_page_pool',
      pure: true,
      doc: 'inspection, not a kernel call: the debugfs ttm/page_pool counts (pages per pooled caching × order, allocated_pages)',
      args: {},
    },
    (k) => ({ ret: 0, fields: poolFields(k) }),
  ),
  defineCall(
    {
      name: 'ttm_bo_mmap_obj',
      doc: 'mmap of the BO\'s fake offset by the current process → ttm_bo_mmap_obj: VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP, no PTE, no reservation — spec 05 §4.1',
      args: {
        bo: 'bo',
        shared: opt('bool', 'MAP_SHARED (default true); MAP_PRIVATE+writable → -EINVAL'),
        write: opt('bool', 'PROT_WRITE (default true)'),
        offset: opt('count', 'first BO page (default 0)'),
        pages: opt('count'),
      },
      produces: 'mapping',
    },
    (k, a) => {
      const bo = boArg(k, a);
      const o: Parameters<typeof ttmBoMmap>[2] = {};
      if (a.shared !== undefined) o.shared = a.shared;
      if (a.write !== undefined) o.write = a.write;
      if (a.offset !== undefined) o.offsetPages = a.offset;
      if (a.pages !== undefined) o.pages = a.pages;
      const r = ttmBoMmap(k, bo, o);
      if (!r.vma) return { ret: r.ret };
      const v = r.vma;
      return { handle: { kind: 'mapping', vaddr: v.start, size: v.end - v.start, what: 'ttm_bo_mmap_obj' }, fields: { addr: { addr: v.start }, type: { mode: k.tables.pgprot2cachemode(v.pageProt & PAGE_CACHE_MASK) } } };
    },
  ),
  defineCall(
    {
      name: 'ttm_bo_vm_fault',
      doc: 'a CPU fault at a user address of a BO mapping → ttm_bo_vm_fault → ttm_bo_vm_fault_reserved: populate, then up to TTM_BO_VM_NUM_PREFAULT vmf_insert_pfn_prot (PAT lookup) — spec 05 §4.2, §4.3, 06 §2',
      args: { addr: { kind: 'vaddr', doc: 'user address (a ttm_bo_mmap_obj handle, +offset)' }, write: opt('bool'), pfns: REPLAY_PFNS },
    },
    (k, a) => {
      ttmReap(k);
      const addr = a.addr;
      // The fault populates the tt: a replay gives its pages where a real kernel's pool put them.
      const r = withReplayAt(k, addr, a.pfns, () => ttmBoVmFault(k, addr));
      const fields: OutFields = { fault: { fault: r.ret }, prefaulted: r.inserted };
      if (r.bo) fields['requested'] = { mode: k.tables.pgprot2cachemode(r.requestedProt & PAGE_CACHE_MASK) };
      const v = r.vma;
      if (v) {
        const s = v.slot(addr);
        const e = v.ptes.entry(s);
        if (e) {
          const pfn = e.pfn;
          fields['type'] = { mode: k.tables.pgprot2cachemode(e.bits & PAGE_CACHE_MASK) };
          Object.assign(fields, pageFields(k, pfn));
        }
      }
      return { fields };
    },
  ),
  defineCall(
    {
      name: 'ttm_bo_unmap_virtual',
      doc: 'ttm_bo_unmap_virtual(bo) → unmap_mapping_range: zap the BO\'s user PTEs in every process (before a move or free) — spec 05 §4.3',
      args: { bo: 'bo' },
    },
    (k, a) => ({ ret: 0, fields: { zapped: ttmBoUnmapVirtual(k, boArg(k, a)) } }),
  ),
  defineCall(
    {
      name: 'ttm_bo_kmap',
      doc: 'ttm_bo_kmap(bo, start_page, num_pages): kmap (WB) for one page of a cached tt, else vmap with ttm_prot_from_caching(caching, PAGE_KERNEL) — spec 05 §4.3',
      args: { bo: 'bo', start: opt('count'), num_pages: opt('count') },
      produces: 'mapping',
    },
    (k, a) => {
      const bo = boArg(k, a);
      const r = ttmBoKmap(k, bo, a.start ?? 0, a.num_pages ?? 1);
      return kmapResult(k, r, 'ttm_bo_kmap');
    },
  ),
  defineCall(
    { name: 'ttm_bo_kunmap', doc: 'ttm_bo_kunmap(map)', args: { addr: 'vaddr' } },
    (k, a) => unmapKmap(k, a.addr),
  ),
  defineCall(
    {
      name: 'ttm_bo_vmap',
      doc: 'ttm_bo_vmap(bo, map): the whole BO, vmap with the tt\'s caching (ioremap by bus.caching for VRAM) — spec 05 §4.3',
      args: { bo: 'bo' },
      produces: 'mapping',
    },
    (k, a) => kmapResult(k, ttmBoVmap(k, boArg(k, a)), 'ttm_bo_vmap'),
  ),
  defineCall(
    { name: 'ttm_bo_vunmap', doc: 'ttm_bo_vunmap(bo, map)', args: { addr: 'vaddr' } },
    (k, a) => unmapKmap(k, a.addr),
  ),
  defineCall(
    {
      name: 'ttm_kmap_iter_tt_map_local',
      doc: 'ttm_kmap_iter_tt_map_local: kmap_local_page_prot(tt->pages[i], ttm_prot_from_caching(caching, PAGE_KERNEL)) as TTM\'s copies use it; unmap with kunmap_local — spec 05 §4.3, 06 §2',
      args: { bo: 'bo', index: opt('count') },
      produces: 'mapping',
    },
    (k, a) => {
      const r = ttmKmapIterTtMapLocal(k, boArg(k, a), a.index ?? 0);
      if (r.ret) return { ret: r.ret };
      return {
        handle: { kind: 'mapping', vaddr: r.vaddr!, size: PAGE_SIZE, phys: r.pfn! * PAGE_SIZE, what: 'kmap_local_page_prot' },
        fields: { type: { mode: r.mode! }, new_mapping: r.newMapping!, ...pageFields(k, r.pfn!) },
      };
    },
  ),
  defineCall(
    {
      name: 'ttm_bo_put',
      doc: 'ttm_bo_put(bo): drop the creator\'s reference; the BO (and its tt pages) is released when no VMA maps it any more — spec 05 §4.1',
      args: { bo: 'bo' },
    },
    (k, a) => {
      ttmBoPut(k, boArg(k, a));
      return { ret: 0, fields: poolFields(k) };
    },
  ),
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
  const fields: OutFields = {};
  if (s) Object.assign(fields, { from_pool: s.fromPool, fresh: s.fresh, highmem_pages: s.highmem, caching_applied: s.cachingApplied });
  const first = bo.ttm?.pages[0] ?? -1;
  if (first >= 0) Object.assign(fields, pageFields(k, first));
  return { ret, fields };
}

function kmapResult(k: K, r: { ret: number; map?: TtmBoKmapObj }, what: string): CallResult {
  if (!r.map) return { ret: r.ret };
  kmaps(k).set(r.map.vaddr, r.map);
  return { handle: { kind: 'mapping', vaddr: r.map.vaddr, size: r.map.npages * PAGE_SIZE, what }, fields: { type: { mode: r.map.mode }, how: r.map.kind } };
}

function unmapKmap(k: K, addr: number): CallResult {
  const m = kmaps(k).get(addr);
  if (!m) throw new NotModelledError(`no ttm_bo_kmap/ttm_bo_vmap mapping at ${hex(addr)}`);
  kmaps(k).delete(addr);
  ttmBoKunmap(k, m);
  return { ret: 0 };
}

const KVM_CALLS: CallSpec<K>[] = [
  defineCall(
    {
      name: 'kvm_set_memory_region',
      doc: 'KVM_SET_USER_MEMORY_REGION → kvm_set_memory_region: a memslot over the current process\'s user addresses (the VM is created on first use) — spec 05 §5',
      args: {
        slot: 'count',
        guest_phys_addr: 'phys',
        memory_size: 'size',
        userspace_addr: 'vaddr',
        legacy_get_page: opt('bool', 'pre-2021 refcounting (get_page on any valid pfn; CVE-2021-22543)'),
        allow_unsafe_mappings: opt('bool', 'kvm module parameter (v6.13+), default false'),
      },
    },
    (k, a) => {
      const vm = kvmOf(k, { legacyGetPage: a.legacy_get_page, allowUnsafeMappings: a.allow_unsafe_mappings });
      const ret = kvmSetMemoryRegion(k, a.slot, a.guest_phys_addr, a.memory_size, a.userspace_addr);
      return { ret, fields: { refcounting: vm.refMode } };
    },
  ),
  defineCall(
    {
      name: 'hva_to_pfn',
      doc: 'hva_to_pfn for a guest physical address: GUP (reference) or, for VM_IO|VM_PFNMAP, hva_to_pfn_remapped (TTM fault via fixup_user_fault; reference per kernel version) — spec 05 §5',
      args: { gpa: 'phys', write: opt('bool'), pin: opt('bool', 'a caller outside MMU-notifier protection (__kvm_vcpu_map)') },
      produces: 'pages',
    },
    (k, a): CallResult => {
      const r = hvaToPfn(k, kvmOf(k), a.gpa, { write: a.write ?? false, pin: a.pin ?? false });
      if (r.err) return { isNull: true, fields: { err: r.err, path: r.path } };
      return { handle: { kind: 'pages', pfns: [r.pfn] }, fields: { refcounted: r.refcounted, writable: r.writable, path: r.path, ...pageFields(k, r.pfn) } };
    },
  ),
  defineCall(
    {
      name: 'kvm_release_pfn',
      doc: 'kvm_release_pfn(pfn, dirty) / kvm_release_page_clean: drop what hva_to_pfn took (put_page if refcounted) — spec 05 §5',
      args: { pfn: 'pfn' },
    },
    (k, a) => {
      const ok = kvmReleasePfn(k, kvmOf(k), a.pfn);
      return { ret: ok ? 0 : -22, fields: { hazards: refHazards(k).length } };
    },
  ),
  defineCall(
    {
      name: 'kvm_vcpu_map',
      doc: '__kvm_vcpu_map(vcpu, gpa): hva_to_pfn with pin (refused without allow_unsafe_mappings on v6.13+), then kmap — a WB kernel alias — spec 05 §5',
      args: { gpa: 'phys' },
      produces: 'pages',
    },
    (k, a): CallResult => {
      const r = kvmVcpuMap(k, kvmOf(k), a.gpa);
      if (r.vaddr === null) return { isNull: true, fields: { err: r.r.err ?? 'KVM_PFN_ERR_FAULT' } };
      return { handle: { kind: 'pages', pfns: [r.r.pfn] }, fields: { type: { mode: CM.WB }, refcounted: r.r.refcounted, ...pageFields(k, r.r.pfn) } };
    },
  ),
  defineCall(
    { name: 'kvm_vcpu_unmap', doc: 'kvm_vcpu_unmap(vcpu, map): kunmap and release', args: { page: 'page' } },
    (k, a) => {
      kvmVcpuUnmap(k, kvmOf(k), a.page);
      return { ret: 0 };
    },
  ),
];

export const DRIVER_CALLS: CallSpec<K>[] = [...TTM_CALLS, ...KVM_CALLS];
