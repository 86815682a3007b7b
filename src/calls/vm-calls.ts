/**
 * Scenario calls for user mappings (spec 04), under the kernel's names.
 *
 * Every call acts in the process the step names (`comm:`/`pid:`, default
 * `patlab:1`), read from `k.current`; the process is created on
 * first use. Addresses are user virtual addresses: a `mapping` handle from
 * `mmap`/`devmem_mmap`/`pci_mmap_resource` (plus an offset) or a number.
 * Fault-style inserts report `fault: VM_FAULT_...`; every call that leaves a
 * PTE at `addr` reports its cache mode as `type`.
 */

import { CM, type CacheMode } from '../hw/cache-mode.js';
import { hex } from '../hw/hex.js';
import { PAGE_CACHE_MASK } from '../hw/pte.js';
import { NotModelledError } from '../kernel/not-modelled.js';
import { applyToPageRange } from '../kernel/vm/apply.js';
import { devmemMmap } from '../kernel/vm/devmem.js';
import { VM_FAULT_SIGBUS, type VmFault } from '../kernel/vm/fault.js';
import { VM_DONTCOPY, VM_DONTDUMP, VM_DONTEXPAND, VM_IO, VM_MIXEDMAP, VM_PFNMAP, _PAGE_SPECIAL } from '../kernel/vm/flags.js';
import { doFork } from '../kernel/vm/fork.js';
import { followPfnmap, getUserPages, gupPutPage, unpinUserPage } from '../kernel/vm/gup.js';
import { vmfInsertMixed, vmfInsertMixedMkwrite, vmfInsertPfn, vmfInsertPfnHuge, vmfInsertPfnProt, vmfInsertPfnProtMkwrite } from '../kernel/vm/insert-pfn.js';
import { vmfInsertPageMkwrite, vmInsertPage, vmInsertPages, vmMapPages } from '../kernel/vm/insert-page.js';
import { doMunmap, exitMmap, zapPageRangeSingle, zapVmaPtes } from '../kernel/vm/lifecycle.js';
import { currentMm } from '../kernel/vm/mm.js';
import { doMmap, type MmapResult } from '../kernel/vm/mmap.js';
import { doMprotect, doMremap } from '../kernel/vm/mremap.js';
import { pciMmapResource } from '../kernel/vm/pci-sysfs.js';
import { ioRemapPfnRange, remapPfnRange, vmIomapMemory } from '../kernel/vm/remap.js';
import { unmapMappingRange } from '../kernel/vm/unmap-mapping.js';
import { LV_1G, LV_2M } from '../kernel/vm/user-ptes.js';
import type { Vma } from '../kernel/vm/vma.js';
import { defineCall, opt, type CallKernel } from './define.js';
import type { CallResult, CallSpec, OutFields } from './types.js';
import { PAGE_SIZE } from '../hw/page.js';

type K = CallKernel;

/** The VMA of the current process at `addr`; a scenario naming an unmapped address is a model limit, not a fault. */
export function vmaAt(k: K, addr: number): Vma {
  const mm = currentMm(k);
  const vma = mm.vmaLookup(addr);
  if (!vma) throw new NotModelledError(`a user-mapping call at ${hex(addr)}, where process ${mm.pid} (${mm.comm}) has no VMA`);
  return vma;
}

/** `type`/`special`/`pfn` of the PTE at `addr` (or `type: none`). */
export function pteFields(k: K, vma: Vma, addr: number): OutFields {
  const s = vma.slot(addr);
  const e = vma.ptes.entry(s);
  if (!e) return { type: { noPte: true } };
  return { type: { mode: k.tables.pgprot2cachemode(e.bits & PAGE_CACHE_MASK) }, special: (e.bits & _PAGE_SPECIAL) !== 0, pfn: { addr: e.pfn } };
}

/** The caller's prot: `vm_page_prot` with its cache mode set to `mode` (or as it is). */
export function protOf(k: K, vma: Vma, mode: CacheMode | undefined): number {
  return mode === undefined ? vma.pageProt : k.tables.pgprotSetCachemode(vma.pageProt, mode);
}

export function faultResult(k: K, vma: Vma, addr: number, f: VmFault): CallResult {
  return { fields: { fault: { fault: f }, ...pteFields(k, vma, addr) } };
}

function mmapResult(r: MmapResult, what: string, phys?: number): CallResult {
  if (r.ret || !r.vma) return { ret: r.ret };
  const v = r.vma;
  const handle: CallResult['handle'] = { kind: 'mapping', vaddr: v.start, size: v.end - v.start, what };
  if (phys !== undefined) handle.phys = phys;
  return { ret: 0, handle, fields: { vaddr: { addr: v.start }, flags: { vmFlags: v.flags }, ...(v.trackCtx ? { track_ctx: v.trackCtx.id } : {}) } };
}

export const ADDR = { kind: 'vaddr', doc: 'user address (a mapping handle, handle+offset, or a number)' } as const;
export const PROT = { kind: 'mode', doc: "the caller's cache mode (on vm_page_prot)" } as const;
const DRIVER_FLAGS = { VM_PFNMAP, VM_MIXEDMAP, VM_IO, VM_DONTEXPAND, VM_DONTDUMP, VM_DONTCOPY } as const;

/** Availability of a call a design adds (src/policy): only while that design is in force. */
export const inDesign = (name: string, design: string) => (k: K): string | null =>
  k.hooks.calls?.has(name) ? null : `${name} exists only in the design ${design} (spec 06 §3)`;

/** A call a design adds that inserts `pages` at `addr` with the caller's prot; available only under `design`. */
export const pagesInsertCall = (name: string, doc: string, design: string, run: (k: K, vma: Vma, addr: number, pages: number[], prot: number) => CallResult): CallSpec<K> =>
  defineCall({ name, doc, available: inDesign(name, design), args: { addr: ADDR, pages: 'pages', prot: PROT } }, (k, a) => {
    const vma = vmaAt(k, a.addr);
    return run(k, vma, a.addr, a.pages, protOf(k, vma, a.prot));
  });

/** The arguments every vmf_insert_pfn-style call starts with. */
export const PFN_INSERT = { addr: ADDR, pfn: 'pfn' } as const;

/** The frame of a vmf_insert_* call at `addr`: `insert` into the VMA there, and the fault code and PTE as the result. */
export function pfnInsert(k: K, name: string, addr: number, insert: (vma: Vma) => VmFault): CallResult {
  // The vmf_insert_* family checks the address against the VMA it is given first
  // (mm/memory.c: `if (addr < vma->vm_start || addr >= vma->vm_end) return VM_FAULT_SIGBUS;`);
  // an address no VMA of the process covers is outside whichever the driver passed.
  if (!currentMm(k).vmaLookup(addr)) {
    k.log.refuse(name, `addr ${hex(addr)} < vma->vm_start || addr >= vma->vm_end (no VMA of the process covers it)`, 'VM_FAULT_SIGBUS');
    return { fields: { fault: { fault: VM_FAULT_SIGBUS } } };
  }
  const vma = vmaAt(k, addr);
  return faultResult(k, vma, addr, insert(vma));
}

/** remap_pfn_range and io_remap_pfn_range: the same arguments and result, each its kernel function. */
const remapCall = (name: string, doc: string, fn: typeof remapPfnRange): CallSpec<K> =>
  defineCall({ name, doc, args: { addr: ADDR, pfn: 'pfn', size: 'size', prot: { ...PROT, optional: true } } }, (k, a) => {
    const vma = vmaAt(k, a.addr);
    const ret = fn(k, vma, a.addr, a.pfn, a.size, protOf(k, vma, a.prot));
    return { ret, fields: pteFields(k, vma, a.addr) };
  });

const gupCall = (name: string, pin: boolean): CallSpec<K> =>
  defineCall(
    {
      name,
      doc: `${name}(start, nr_pages, gup_flags): refuses VM_IO|VM_PFNMAP and special PTEs; ${pin ? '+GUP_PIN_COUNTING_BIAS' : '+1 reference'} per normal page — spec 04 §2`,
      args: { addr: ADDR, count: opt('count'), write: opt('bool') },
      produces: 'pages',
    },
    (k, a) => {
      const r = getUserPages(k, currentMm(k), a.addr, a.count ?? 1, a.write ?? false, pin);
      if (r.ret < 0) return { ret: r.ret };
      return { ret: 0, handle: { kind: 'pages', pfns: r.pfns }, fields: { pinned: r.ret } };
    },
  );

const pagesLoop = (name: string, fn: (k: K, pfn: number) => void, doc: string): CallSpec<K> =>
  defineCall({ name, doc, args: { pages: 'pages' } }, (k, a) => {
    for (const pfn of a.pages) fn(k, pfn);
    return {};
  });

/** A zap of `[addr, addr + size)` in the VMA at `addr` (the VMA stays). */
const zapCall = (name: string, doc: string, fn: (k: K, vma: Vma, addr: number, size: number) => void): CallSpec<K> =>
  defineCall({ name, doc, args: { addr: ADDR, size: 'size' } }, (k, a) => {
    fn(k, vmaAt(k, a.addr), a.addr, a.size);
    return {};
  });

export const VM_CALLS: CallSpec<K>[] = [
  defineCall(
    {
      name: 'mmap',
      doc: "mmap of a driver file: VMA with the given flags and vm_page_prot cache mode (the driver's ->mmap sets flags/prot, nothing else) — spec 04 §8",
      args: {
        size: 'size',
        flags: { kind: 'flags', optional: true, flags: DRIVER_FLAGS, doc: 'VM_* flags the driver sets' },
        prot: opt('mode', 'cache mode of vm_page_prot (default WB)'),
        shared: opt('bool', 'MAP_SHARED (default) or MAP_PRIVATE'),
        write: opt('bool', 'PROT_WRITE (default true)'),
        maywrite: opt('bool', 'file opened for writing (VM_MAYWRITE, default true)'),
        pgoff: opt('count'),
      },
      produces: 'mapping',
    },
    (k, a) => {
      const r = doMmap(k, currentMm(k), {
        len: a.size,
        driverFlags: a.flags ?? 0,
        cacheMode: a.prot ?? CM.WB,
        shared: a.shared ?? true,
        write: a.write ?? true,
        maywrite: a.maywrite ?? true,
        pgoff: a.pgoff ?? 0,
      });
      return mmapResult(r, 'mmap');
    },
  ),
  defineCall(
    {
      name: 'munmap',
      doc: 'munmap(addr, len): split at the ends, zap, free; a tracked reservation goes with the last piece (v6.16+) — spec 04 §8',
      args: { addr: ADDR, size: 'size' },
    },
    (k, a) => ({ ret: doMunmap(k, currentMm(k), a.addr, a.size) }),
  ),
  defineCall(
    {
      name: 'mremap',
      doc: 'mremap(addr, old_size, new_size, MREMAP_MAYMOVE[|MREMAP_FIXED, new_addr]) — spec 04 §8',
      args: { addr: ADDR, old_size: 'size', new_size: 'size', new_addr: opt('size', 'MREMAP_FIXED target') },
      produces: 'mapping',
    },
    (k, a) => {
      const r = doMremap(k, currentMm(k), a.addr, a.old_size, a.new_size, a.new_addr);
      if (r.ret < 0) return { ret: r.ret };
      return { ret: 0, handle: { kind: 'mapping', vaddr: r.ret, size: Math.ceil(a.new_size / PAGE_SIZE) * PAGE_SIZE, what: 'mremap' }, fields: { vaddr: { addr: r.ret } } };
    },
  ),
  defineCall(
    {
      name: 'mprotect',
      doc: 'mprotect(addr, len, PROT_READ[|PROT_WRITE]): cache bits of vm_page_prot and PTEs kept — spec 04 §8',
      args: { addr: ADDR, size: 'size', read: opt('bool'), write: opt('bool') },
    },
    (k, a) => ({ ret: doMprotect(k, currentMm(k), a.addr, a.size, a.read ?? true, a.write ?? false) }),
  ),
  defineCall(
    {
      name: 'fork',
      doc: 'fork(): the child (pid child_pid, or the next free one) gets copies of the VMAs; PFNMAP/MIXEDMAP page tables copied — spec 04 §8',
      args: { child_pid: opt('count') },
    },
    (k, a) => {
      const r = doFork(k, currentMm(k), a.child_pid);
      return r.child ? { ret: 0, fields: { pid: r.child.pid } } : { ret: r.ret };
    },
  ),
  defineCall(
    { name: 'exit', doc: 'exit(): exit_mmap of the current process — every VMA unmapped and freed — spec 04 §8', args: {} },
    (k) => {
      exitMmap(k, currentMm(k));
      return {};
    },
  ),
  remapCall(
    'remap_pfn_range',
    'remap_pfn_range(vma, addr, pfn, size, prot): whole VMA → reserved (pfnmap_track), partial → lookup only; errors collapse to -EINVAL — spec 04 §3',
    remapPfnRange,
  ),
  remapCall('io_remap_pfn_range', 'io_remap_pfn_range = remap_pfn_range(pgprot_decrypted(prot)) — spec 04 §3', ioRemapPfnRange),
  defineCall(
    {
      name: 'vm_iomap_memory',
      doc: 'vm_iomap_memory(vma, start, len): whole-VMA io_remap_pfn_range of a physical range, offset by vm_pgoff — spec 04 §3',
      args: { addr: ADDR, phys: 'phys', size: 'size' },
    },
    (k, a) => {
      const vma = vmaAt(k, a.addr);
      const ret = vmIomapMemory(k, vma, a.phys, a.size);
      return { ret, fields: pteFields(k, vma, vma.start) };
    },
  ),
  defineCall(
    {
      name: 'vmf_insert_pfn_prot',
      doc: "vmf_insert_pfn_prot(vma, addr, pfn, prot): special PTE; the caller's cache bits replaced by the PAT lookup (hook vmfInsertPfnCachemode can replace it) — spec 04 §4",
      args: { ...PFN_INSERT, prot: PROT },
    },
    (k, a) => pfnInsert(k, 'vmf_insert_pfn_prot', a.addr, (v) => vmfInsertPfnProt(k, v, a.addr, a.pfn, protOf(k, v, a.prot))),
  ),
  defineCall(
    { name: 'vmf_insert_pfn', doc: 'vmf_insert_pfn(vma, addr, pfn) with vm_page_prot; always keeps the PAT lookup — spec 04 §4, spec/07 A10', args: PFN_INSERT },
    (k, a) => pfnInsert(k, 'vmf_insert_pfn', a.addr, (v) => vmfInsertPfn(k, v, a.addr, a.pfn)),
  ),
  defineCall(
    {
      name: 'vmf_insert_pfn_prot_mkwrite',
      doc: 'vmf_insert_pfn_prot_mkwrite(vma, addr, pfn, prot, mkwrite): modelled identical to vmf_insert_pfn_prot with mkwrite forwarded (spec says "presumably identical") — spec 04 §4',
      args: { ...PFN_INSERT, prot: PROT, mkwrite: opt('bool') },
      // Settled from the trees (docs/decisions.md V5): only linux-mm at c6ed7499 has it, no release does.
      available: () =>
        'it is in no kernel a preset stands for: only linux-mm at c6ed7499 has it (TTM "never map prefaulted PTEs writable"); Debian 6.1.192, 6.12.118 and linux-mm at 009857a2 have vmf_insert_pfn_prot without it',
    },
    (k, a) => pfnInsert(k, 'vmf_insert_pfn_prot_mkwrite', a.addr, (v) => vmfInsertPfnProtMkwrite(k, v, a.addr, a.pfn, protOf(k, v, a.prot), a.mkwrite ?? false)),
  ),
  defineCall(
    { name: 'vmf_insert_mixed', doc: 'vmf_insert_mixed(vma, addr, pfn): VM_MIXEDMAP only; PAT lookup; special PTE on x86 — spec 04 §5', args: PFN_INSERT },
    (k, a) => pfnInsert(k, 'vmf_insert_mixed', a.addr, (v) => vmfInsertMixed(k, v, a.addr, a.pfn)),
  ),
  defineCall(
    { name: 'vmf_insert_mixed_mkwrite', doc: 'vmf_insert_mixed_mkwrite(vma, addr, pfn) — spec 04 §5', args: PFN_INSERT },
    (k, a) => pfnInsert(k, 'vmf_insert_mixed_mkwrite', a.addr, (v) => vmfInsertMixedMkwrite(k, v, a.addr, a.pfn)),
  ),
  defineCall(
    { name: 'vmf_insert_pfn_pmd', doc: 'vmf_insert_pfn_pmd(vmf, pfn, write): one special 2 MiB leaf, PAT lookup of the first pfn — spec 04 §4', args: { ...PFN_INSERT, write: opt('bool') } },
    (k, a) => pfnInsert(k, 'vmf_insert_pfn_pmd', a.addr, (v) => vmfInsertPfnHuge(k, v, a.addr, a.pfn, a.write ?? false, LV_2M)),
  ),
  defineCall(
    { name: 'vmf_insert_pfn_pud', doc: 'vmf_insert_pfn_pud(vmf, pfn, write): one special 1 GiB leaf — spec 04 §4', args: { ...PFN_INSERT, write: opt('bool') } },
    (k, a) => pfnInsert(k, 'vmf_insert_pfn_pud', a.addr, (v) => vmfInsertPfnHuge(k, v, a.addr, a.pfn, a.write ?? false, LV_1G)),
  ),
  defineCall(
    {
      name: 'vm_insert_page',
      doc: 'vm_insert_page(vma, addr, page): normal PTE with vm_page_prot (no PAT), refcount and mapcount +1 — spec 04 §6',
      args: { addr: ADDR, page: 'page' },
    },
    (k, a) => {
      const addr = a.addr;
      const vma = vmaAt(k, addr);
      const pfn = a.page;
      const ret = vmInsertPage(k, vma, addr, pfn);
      return { ret, fields: { ...pteFields(k, vma, addr), refcount: k.pages.refcount.get(pfn), mapcount: k.pages.mapcount.get(pfn) } };
    },
  ),
  defineCall(
    {
      name: 'vm_insert_pages',
      doc: 'vm_insert_pages(vma, addr, pages, &num): as vm_insert_page per page; stops at the first error — spec 04 §6',
      args: { addr: ADDR, pages: 'pages' },
    },
    (k, a) => {
      const addr = a.addr;
      const vma = vmaAt(k, addr);
      const r = vmInsertPages(k, vma, addr, a.pages);
      return { ret: r.ret, fields: { num: r.remaining, ...pteFields(k, vma, addr) } };
    },
  ),
  defineCall(
    { name: 'vm_map_pages', doc: 'vm_map_pages(vma, pages, num): the whole VMA from vm_pgoff — spec 04 §6', args: { addr: ADDR, pages: 'pages' } },
    (k, a) => {
      const vma = vmaAt(k, a.addr);
      return { ret: vmMapPages(k, vma, a.pages, false), fields: pteFields(k, vma, vma.start) };
    },
  ),
  defineCall(
    { name: 'vm_map_pages_zero', doc: 'vm_map_pages_zero(vma, pages, num): as vm_map_pages from offset 0 — spec 04 §6', args: { addr: ADDR, pages: 'pages' } },
    (k, a) => {
      const vma = vmaAt(k, a.addr);
      return { ret: vmMapPages(k, vma, a.pages, true), fields: pteFields(k, vma, vma.start) };
    },
  ),
  defineCall(
    { name: 'vmf_insert_page_mkwrite', doc: 'vmf_insert_page_mkwrite(vmf, page, write) — spec 04 §6', args: { addr: ADDR, page: 'page', write: opt('bool') } },
    (k, a) => {
      const addr = a.addr;
      const vma = vmaAt(k, addr);
      return faultResult(k, vma, addr, vmfInsertPageMkwrite(k, vma, addr, a.page, a.write ?? false));
    },
  ),
  defineCall(
    {
      name: 'apply_to_page_range',
      doc: "apply_to_page_range(mm, addr, size, fn): the callback writes special(pfn + i, prot) in every slot — no PAT, no checks, no flush — spec 04 §7",
      args: { addr: ADDR, size: 'size', pfn: opt('pfn', 'first pfn (consecutive)'), pages: opt('pages', 'or one pfn per slot'), prot: PROT },
    },
    (k, a) => {
      const addr = a.addr;
      const vma = vmaAt(k, addr);
      const pages = a.pages;
      const first = a.pfn;
      if (pages === undefined && first === undefined) throw new NotModelledError('apply_to_page_range without pfn or pages (the callback needs something to map)');
      const prot = protOf(k, vma, a.prot);
      const ret = applyToPageRange(k, currentMm(k), addr, a.size, (s) => {
        const i = (s.addr - addr) / PAGE_SIZE;
        if (pages) return i < pages.length ? { pfn: pages[i]!, prot } : -12;
        return { pfn: first! + i, prot };
      });
      return { ret, fields: pteFields(k, vma, addr) };
    },
  ),
  gupCall('get_user_pages', false),
  gupCall('pin_user_pages', true),
  pagesLoop('put_page', gupPutPage, 'put_page(page) for each page of a handle (drops a GUP reference)'),
  pagesLoop('unpin_user_page', unpinUserPage, 'unpin_user_page(page) for each page of a handle'),
  defineCall(
    { name: 'follow_pfnmap', doc: "follow_pfnmap_start(): KVM's read of a VM_IO|VM_PFNMAP PTE, no reference taken — spec 05 §5", args: { addr: ADDR } },
    (k, a) => {
      const r = followPfnmap(currentMm(k), a.addr);
      if (r.ret) return { ret: r.ret };
      return { ret: 0, fields: { pfn: { addr: r.pfn }, type: { mode: k.tables.pgprot2cachemode(r.bits & PAGE_CACHE_MASK) }, writable: r.writable, special: r.special } };
    },
  ),
  defineCall(
    { name: 'page_ref_count', pure: true, doc: 'page_ref_count(page) and page_mapcount(page): the struct page counters', args: { page: 'page' } },
    (k, a) => ({ fields: { refcount: k.pages.refcount.get(a.page), mapcount: k.pages.mapcount.get(a.page) } }),
  ),
  zapCall('zap_page_range_single', "zap_page_range_single(vma, addr, size, NULL): the PTEs of one VMA's range go, the VMA stays; ≤ v6.15 untrack_pfn(vma, 0, 0) first for VM_PFNMAP — spec 04 §8", zapPageRangeSingle),
  zapCall('zap_vma_ptes', "zap_vma_ptes(vma, addr, size): a driver's zap_page_range_single, only for a range inside a VM_PFNMAP VMA (else nothing) — spec 04 §8", zapVmaPtes),
  defineCall(
    {
      name: 'unmap_mapping_range',
      doc: "unmap_mapping_range(mapping, holebegin, holelen): zap the file's pages in every VMA of every process (TTM BO move) — spec 04 §8",
      args: { addr: ADDR, pgoff: opt('count'), count: opt('count', 'pages (default: to the end)') },
    },
    (k, a) => {
      const vma = vmaAt(k, a.addr);
      if (vma.file) unmapMappingRange(k, vma.file, a.pgoff ?? 0, a.count ?? 0);
      return {};
    },
  ),
  defineCall(
    {
      name: 'devmem_mmap',
      doc: 'mmap of /dev/mem at offset phys: STRICT_DEVMEM, WB (UC- with O_DSYNC), whole-VMA remap, failure → -EAGAIN — spec 04 §9',
      args: { phys: 'phys', size: 'size', o_dsync: opt('bool') },
      produces: 'mapping',
    },
    (k, a) => mmapResult(devmemMmap(k, currentMm(k), a.phys, a.size, a.o_dsync ?? false), '/dev/mem', a.phys),
  ),
  defineCall(
    {
      name: 'pci_mmap_resource',
      doc: 'mmap of a PCI sysfs resourceN (UC-) or resourceN_wc (WC) file; the BAR is named by its start — spec 04 §10',
      args: {
        bar: { kind: 'phys', doc: 'start of the BAR (an iomem resource named like 0000:01:00.0)' },
        size: 'size',
        wc: opt('bool'),
        pgoff: opt('count'),
      },
      produces: 'mapping',
    },
    (k, a) => {
      const pgoff = a.pgoff ?? 0;
      const r = pciMmapResource(k, currentMm(k), a.bar, a.size, a.wc ?? false, pgoff);
      return mmapResult(r, a.wc ? 'resource_wc' : 'resource', a.bar + pgoff * PAGE_SIZE);
    },
  ),
];
