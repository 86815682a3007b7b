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

import { cattrName, CM, type CacheMode } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import type { MmContext } from '../mm/mm-context.js';
import { NotModelledError } from '../not-modelled.js';
import { applyToPageRange } from '../vm/apply.js';
import { devmemMmap } from '../vm/devmem.js';
import { VM_FAULT_SIGBUS, vmFaultName, type VmFault } from '../vm/fault.js';
import { VM_DONTCOPY, VM_DONTDUMP, VM_DONTEXPAND, VM_IO, VM_MIXEDMAP, VM_PFNMAP, vmFlagNames, _PAGE_SPECIAL } from '../vm/flags.js';
import { doFork } from '../vm/fork.js';
import { followPfnmap, getUserPages, gupPutPage, unpinUserPage } from '../vm/gup.js';
import { vmfInsertMixed, vmfInsertMixedMkwrite, vmfInsertPfn, vmfInsertPfnHuge, vmfInsertPfnProt, vmfInsertPfnProtMkwrite } from '../vm/insert-pfn.js';
import { vmfInsertPageMkwrite, vmInsertPage, vmInsertPages, vmMapPages } from '../vm/insert-page.js';
import { doMunmap, exitMmap } from '../vm/lifecycle.js';
import { currentMm } from '../vm/mm.js';
import { doMmap, type MmapResult } from '../vm/mmap.js';
import { doMprotect, doMremap } from '../vm/mremap.js';
import { pciMmapResource } from '../vm/pci-sysfs.js';
import { ioRemapPfnRange, remapPfnRange, vmIomapMemory } from '../vm/remap.js';
import { unmapMappingRange } from '../vm/unmap-mapping.js';
import { LV_1G, LV_2M } from '../vm/user-ptes.js';
import type { Vma } from '../vm/vma.js';
import type { Args, ArgSpec, CallResult, CallSpec } from './types.js';
import { PAGE_SIZE } from '../../hw/page.js';

type K = MmContext;
const hex = (v: number): string => '0x' + v.toString(16);

/** The VMA of the current process at `addr`; a scenario naming an unmapped address is a model limit, not a fault. */
export function vmaAt(k: K, addr: number): Vma {
  const mm = currentMm(k);
  const vma = mm.vmaLookup(addr);
  if (!vma) throw new NotModelledError(`a user-mapping call at ${hex(addr)}, where process ${mm.pid} (${mm.comm}) has no VMA`);
  return vma;
}

/** `type`/`special`/`pfn` of the PTE at `addr` (or `type: none`). */
export function pteFields(k: K, vma: Vma, addr: number): Record<string, string | number | boolean> {
  const s = vma.slot(addr);
  const e = vma.ptes.entry(s);
  if (!e) return { type: 'none' };
  return { type: cattrName(k.tables.pgprot2cachemode(e.bits & PAGE_CACHE_MASK)), special: (e.bits & _PAGE_SPECIAL) !== 0, pfn: hex(e.pfn) };
}

/** The caller's prot: `vm_page_prot` with its cache mode set to `mode` (or as it is). */
export function protOf(k: K, vma: Vma, mode: CacheMode | undefined): number {
  return mode === undefined ? vma.pageProt : k.tables.pgprotSetCachemode(vma.pageProt, mode);
}

export function faultResult(k: K, vma: Vma, addr: number, f: VmFault): CallResult {
  return { fields: { fault: vmFaultName(f), ...pteFields(k, vma, addr) } };
}

function mmapResult(r: MmapResult, what: string, phys?: number): CallResult {
  if (r.ret || !r.vma) return { ret: r.ret };
  const v = r.vma;
  const handle: CallResult['handle'] = { kind: 'mapping', vaddr: v.start, size: v.end - v.start, what };
  if (phys !== undefined) handle.phys = phys;
  return { ret: 0, handle, fields: { vaddr: hex(v.start), flags: vmFlagNames(v.flags), ...(v.trackCtx ? { track_ctx: v.trackCtx.id } : {}) } };
}

export const ADDR: ArgSpec = { name: 'addr', kind: 'vaddr', doc: 'user address (a mapping handle, handle+offset, or a number)' };
export const PROT: ArgSpec = { name: 'prot', kind: 'mode', doc: "the caller's cache mode (on vm_page_prot)" };
const DRIVER_FLAGS = { VM_PFNMAP, VM_MIXEDMAP, VM_IO, VM_DONTEXPAND, VM_DONTDUMP, VM_DONTCOPY } as const;

/** Availability of a call a design adds (src/policy): only while that design is in force. */
export const inDesign = (name: string, design: string) => (k: K): string | null =>
  k.hooks.calls?.has(name) ? null : `${name} exists only in the design ${design} (spec 06 §3)`;

/** A call a design adds that inserts `pages` at `addr` with the caller's prot; available only under `design`. */
export const pagesInsertCall = (name: string, doc: string, design: string, run: (k: K, vma: Vma, addr: number, pages: number[], prot: number) => CallResult): CallSpec<K> => ({
  name,
  doc,
  available: inDesign(name, design),
  args: [ADDR, { name: 'pages', kind: 'pages' }, PROT],
  run: (k, a) => {
    const addr = a['addr'] as number;
    const vma = vmaAt(k, addr);
    return run(k, vma, addr, a['pages'] as number[], protOf(k, vma, a['prot'] as CacheMode));
  },
});

export const pfnInsertCall = (name: string, doc: string, run: (k: K, vma: Vma, a: Args) => VmFault, extra: ArgSpec[] = [], available?: (k: K) => string | null): CallSpec<K> => ({
  name,
  doc,
  args: [ADDR, { name: 'pfn', kind: 'pfn' }, ...extra],
  ...(available ? { available } : {}),
  run: (k, a) => {
    const addr = a['addr'] as number;
    // The vmf_insert_* family checks the address against the VMA it is given first
    // (mm/memory.c: `if (addr < vma->vm_start || addr >= vma->vm_end) return VM_FAULT_SIGBUS;`);
    // an address no VMA of the process covers is outside whichever the driver passed.
    if (!currentMm(k).vmaLookup(addr)) {
      k.log.refuse(name, `addr ${hex(addr)} < vma->vm_start || addr >= vma->vm_end (no VMA of the process covers it)`, 'VM_FAULT_SIGBUS');
      return { fields: { fault: vmFaultName(VM_FAULT_SIGBUS) } };
    }
    const vma = vmaAt(k, addr);
    return faultResult(k, vma, addr, run(k, vma, a));
  },
});

const gupCall = (name: string, pin: boolean): CallSpec<K> => ({
  name,
  doc: `${name}(start, nr_pages, gup_flags): refuses VM_IO|VM_PFNMAP and special PTEs; ${pin ? '+GUP_PIN_COUNTING_BIAS' : '+1 reference'} per normal page — spec 04 §2`,
  args: [ADDR, { name: 'count', kind: 'count', optional: true }, { name: 'write', kind: 'bool', optional: true }],
  produces: 'pages',
  run: (k, a) => {
    const r = getUserPages(k, currentMm(k), a['addr'] as number, (a['count'] as number | undefined) ?? 1, (a['write'] as boolean | undefined) ?? false, pin);
    if (r.ret < 0) return { ret: r.ret };
    return { ret: 0, handle: { kind: 'pages', pfns: r.pfns }, fields: { pinned: r.ret } };
  },
});

const pagesLoop = (name: string, fn: (k: K, pfn: number) => void, doc: string): CallSpec<K> => ({
  name,
  doc,
  args: [{ name: 'pages', kind: 'pages' }],
  run: (k, a) => {
    for (const pfn of a['pages'] as number[]) fn(k, pfn);
    return {};
  },
});

export const VM_CALLS: CallSpec<K>[] = [
  {
    name: 'mmap',
    doc: "mmap of a driver file: VMA with the given flags and vm_page_prot cache mode (the driver's ->mmap sets flags/prot, nothing else) — spec 04 §8",
    args: [
      { name: 'size', kind: 'size' },
      { name: 'flags', kind: 'flags', optional: true, flags: DRIVER_FLAGS, doc: 'VM_* flags the driver sets' },
      { name: 'prot', kind: 'mode', optional: true, doc: 'cache mode of vm_page_prot (default WB)' },
      { name: 'shared', kind: 'bool', optional: true, doc: 'MAP_SHARED (default) or MAP_PRIVATE' },
      { name: 'write', kind: 'bool', optional: true, doc: 'PROT_WRITE (default true)' },
      { name: 'maywrite', kind: 'bool', optional: true, doc: 'file opened for writing (VM_MAYWRITE, default true)' },
      { name: 'pgoff', kind: 'count', optional: true },
    ],
    produces: 'mapping',
    run: (k, a) => {
      const r = doMmap(k, currentMm(k), {
        len: a['size'] as number,
        driverFlags: (a['flags'] as number | undefined) ?? 0,
        cacheMode: (a['prot'] as CacheMode | undefined) ?? CM.WB,
        shared: (a['shared'] as boolean | undefined) ?? true,
        write: (a['write'] as boolean | undefined) ?? true,
        maywrite: (a['maywrite'] as boolean | undefined) ?? true,
        pgoff: (a['pgoff'] as number | undefined) ?? 0,
      });
      return mmapResult(r, 'mmap');
    },
  },
  {
    name: 'munmap',
    doc: 'munmap(addr, len): split at the ends, zap, free; a tracked reservation goes with the last piece (v6.16+) — spec 04 §8',
    args: [ADDR, { name: 'size', kind: 'size' }],
    run: (k, a) => ({ ret: doMunmap(k, currentMm(k), a['addr'] as number, a['size'] as number) }),
  },
  {
    name: 'mremap',
    doc: 'mremap(addr, old_size, new_size, MREMAP_MAYMOVE[|MREMAP_FIXED, new_addr]) — spec 04 §8',
    args: [ADDR, { name: 'old_size', kind: 'size' }, { name: 'new_size', kind: 'size' }, { name: 'new_addr', kind: 'size', optional: true, doc: 'MREMAP_FIXED target' }],
    produces: 'mapping',
    run: (k, a) => {
      const r = doMremap(k, currentMm(k), a['addr'] as number, a['old_size'] as number, a['new_size'] as number, a['new_addr'] as number | undefined);
      if (r.ret < 0) return { ret: r.ret };
      return { ret: 0, handle: { kind: 'mapping', vaddr: r.ret, size: Math.ceil((a['new_size'] as number) / PAGE_SIZE) * PAGE_SIZE, what: 'mremap' }, fields: { vaddr: hex(r.ret) } };
    },
  },
  {
    name: 'mprotect',
    doc: 'mprotect(addr, len, PROT_READ[|PROT_WRITE]): cache bits of vm_page_prot and PTEs kept — spec 04 §8',
    args: [ADDR, { name: 'size', kind: 'size' }, { name: 'read', kind: 'bool', optional: true }, { name: 'write', kind: 'bool', optional: true }],
    run: (k, a) => ({ ret: doMprotect(k, currentMm(k), a['addr'] as number, a['size'] as number, (a['read'] as boolean | undefined) ?? true, (a['write'] as boolean | undefined) ?? false) }),
  },
  {
    name: 'fork',
    doc: 'fork(): the child (pid child_pid, or the next free one) gets copies of the VMAs; PFNMAP/MIXEDMAP page tables copied — spec 04 §8',
    args: [{ name: 'child_pid', kind: 'count', optional: true }],
    run: (k, a) => {
      const r = doFork(k, currentMm(k), a['child_pid'] as number | undefined);
      return r.child ? { ret: 0, fields: { pid: r.child.pid } } : { ret: r.ret };
    },
  },
  {
    name: 'exit',
    doc: 'exit(): exit_mmap of the current process — every VMA unmapped and freed — spec 04 §8',
    args: [],
    run: (k) => {
      exitMmap(k, currentMm(k));
      return {};
    },
  },
  {
    name: 'remap_pfn_range',
    doc: 'remap_pfn_range(vma, addr, pfn, size, prot): whole VMA → reserved (pfnmap_track), partial → lookup only; errors collapse to -EINVAL — spec 04 §3',
    args: [ADDR, { name: 'pfn', kind: 'pfn' }, { name: 'size', kind: 'size' }, { ...PROT, optional: true }],
    run: (k, a) => {
      const addr = a['addr'] as number;
      const vma = vmaAt(k, addr);
      const ret = remapPfnRange(k, vma, addr, a['pfn'] as number, a['size'] as number, protOf(k, vma, a['prot'] as CacheMode | undefined));
      return { ret, fields: pteFields(k, vma, addr) };
    },
  },
  {
    name: 'io_remap_pfn_range',
    doc: 'io_remap_pfn_range = remap_pfn_range(pgprot_decrypted(prot)) — spec 04 §3',
    args: [ADDR, { name: 'pfn', kind: 'pfn' }, { name: 'size', kind: 'size' }, { ...PROT, optional: true }],
    run: (k, a) => {
      const addr = a['addr'] as number;
      const vma = vmaAt(k, addr);
      const ret = ioRemapPfnRange(k, vma, addr, a['pfn'] as number, a['size'] as number, protOf(k, vma, a['prot'] as CacheMode | undefined));
      return { ret, fields: pteFields(k, vma, addr) };
    },
  },
  {
    name: 'vm_iomap_memory',
    doc: 'vm_iomap_memory(vma, start, len): whole-VMA io_remap_pfn_range of a physical range, offset by vm_pgoff — spec 04 §3',
    args: [ADDR, { name: 'phys', kind: 'phys' }, { name: 'size', kind: 'size' }],
    run: (k, a) => {
      const vma = vmaAt(k, a['addr'] as number);
      const ret = vmIomapMemory(k, vma, a['phys'] as number, a['size'] as number);
      return { ret, fields: pteFields(k, vma, vma.start) };
    },
  },
  pfnInsertCall('vmf_insert_pfn_prot', "vmf_insert_pfn_prot(vma, addr, pfn, prot): special PTE; the caller's cache bits replaced by the PAT lookup (hook vmfInsertPfnCachemode can replace it) — spec 04 §4", (k, v, a) => vmfInsertPfnProt(k, v, a['addr'] as number, a['pfn'] as number, protOf(k, v, a['prot'] as CacheMode)), [PROT]),
  pfnInsertCall('vmf_insert_pfn', 'vmf_insert_pfn(vma, addr, pfn) with vm_page_prot; always keeps the PAT lookup — spec 04 §4, spec/07 A10', (k, v, a) => vmfInsertPfn(k, v, a['addr'] as number, a['pfn'] as number)),
  pfnInsertCall(
    'vmf_insert_pfn_prot_mkwrite',
    'vmf_insert_pfn_prot_mkwrite(vma, addr, pfn, prot, mkwrite): modelled identical to vmf_insert_pfn_prot with mkwrite forwarded (spec says "presumably identical") — spec 04 §4',
    (k, v, a) => vmfInsertPfnProtMkwrite(k, v, a['addr'] as number, a['pfn'] as number, protOf(k, v, a['prot'] as CacheMode), (a['mkwrite'] as boolean | undefined) ?? false),
    [PROT, { name: 'mkwrite', kind: 'bool', optional: true }],
    // Settled from the trees (docs/decisions.md V5): only linux-mm at c6ed7499 has it, no release does.
    () => 'it is in no kernel a preset stands for: only linux-mm at c6ed7499 has it (TTM "never map prefaulted PTEs writable"); Debian 6.1.192, 6.12.118 and linux-mm at 009857a2 have vmf_insert_pfn_prot without it',
  ),
  pfnInsertCall('vmf_insert_mixed', 'vmf_insert_mixed(vma, addr, pfn): VM_MIXEDMAP only; PAT lookup; special PTE on x86 — spec 04 §5', (k, v, a) => vmfInsertMixed(k, v, a['addr'] as number, a['pfn'] as number)),
  pfnInsertCall('vmf_insert_mixed_mkwrite', 'vmf_insert_mixed_mkwrite(vma, addr, pfn) — spec 04 §5', (k, v, a) => vmfInsertMixedMkwrite(k, v, a['addr'] as number, a['pfn'] as number)),
  pfnInsertCall('vmf_insert_pfn_pmd', 'vmf_insert_pfn_pmd(vmf, pfn, write): one special 2 MiB leaf, PAT lookup of the first pfn — spec 04 §4', (k, v, a) => vmfInsertPfnHuge(k, v, a['addr'] as number, a['pfn'] as number, (a['write'] as boolean | undefined) ?? false, LV_2M), [{ name: 'write', kind: 'bool', optional: true }]),
  pfnInsertCall('vmf_insert_pfn_pud', 'vmf_insert_pfn_pud(vmf, pfn, write): one special 1 GiB leaf — spec 04 §4', (k, v, a) => vmfInsertPfnHuge(k, v, a['addr'] as number, a['pfn'] as number, (a['write'] as boolean | undefined) ?? false, LV_1G), [{ name: 'write', kind: 'bool', optional: true }]),
  {
    name: 'vm_insert_page',
    doc: 'vm_insert_page(vma, addr, page): normal PTE with vm_page_prot (no PAT), refcount and mapcount +1 — spec 04 §6',
    args: [ADDR, { name: 'page', kind: 'page' }],
    run: (k, a) => {
      const addr = a['addr'] as number;
      const vma = vmaAt(k, addr);
      const pfn = a['page'] as number;
      const ret = vmInsertPage(k, vma, addr, pfn);
      return { ret, fields: { ...pteFields(k, vma, addr), refcount: k.pages.refcount[pfn]!, mapcount: k.pages.mapcount[pfn]! } };
    },
  },
  {
    name: 'vm_insert_pages',
    doc: 'vm_insert_pages(vma, addr, pages, &num): as vm_insert_page per page; stops at the first error — spec 04 §6',
    args: [ADDR, { name: 'pages', kind: 'pages' }],
    run: (k, a) => {
      const addr = a['addr'] as number;
      const vma = vmaAt(k, addr);
      const r = vmInsertPages(k, vma, addr, a['pages'] as number[]);
      return { ret: r.ret, fields: { num: r.remaining, ...pteFields(k, vma, addr) } };
    },
  },
  {
    name: 'vm_map_pages',
    doc: 'vm_map_pages(vma, pages, num): the whole VMA from vm_pgoff — spec 04 §6',
    args: [ADDR, { name: 'pages', kind: 'pages' }],
    run: (k, a) => {
      const vma = vmaAt(k, a['addr'] as number);
      return { ret: vmMapPages(k, vma, a['pages'] as number[], false), fields: pteFields(k, vma, vma.start) };
    },
  },
  {
    name: 'vm_map_pages_zero',
    doc: 'vm_map_pages_zero(vma, pages, num): as vm_map_pages from offset 0 — spec 04 §6',
    args: [ADDR, { name: 'pages', kind: 'pages' }],
    run: (k, a) => {
      const vma = vmaAt(k, a['addr'] as number);
      return { ret: vmMapPages(k, vma, a['pages'] as number[], true), fields: pteFields(k, vma, vma.start) };
    },
  },
  {
    name: 'vmf_insert_page_mkwrite',
    doc: 'vmf_insert_page_mkwrite(vmf, page, write) — spec 04 §6',
    args: [ADDR, { name: 'page', kind: 'page' }, { name: 'write', kind: 'bool', optional: true }],
    run: (k, a) => {
      const addr = a['addr'] as number;
      const vma = vmaAt(k, addr);
      return faultResult(k, vma, addr, vmfInsertPageMkwrite(k, vma, addr, a['page'] as number, (a['write'] as boolean | undefined) ?? false));
    },
  },
  {
    name: 'apply_to_page_range',
    doc: "apply_to_page_range(mm, addr, size, fn): the callback writes special(pfn + i, prot) in every slot — no PAT, no checks, no flush — spec 04 §7",
    args: [ADDR, { name: 'size', kind: 'size' }, { name: 'pfn', kind: 'pfn', optional: true, doc: 'first pfn (consecutive)' }, { name: 'pages', kind: 'pages', optional: true, doc: 'or one pfn per slot' }, PROT],
    run: (k, a) => {
      const addr = a['addr'] as number;
      const vma = vmaAt(k, addr);
      const pages = a['pages'] as number[] | undefined;
      const first = a['pfn'] as number | undefined;
      if (pages === undefined && first === undefined) throw new NotModelledError('apply_to_page_range without pfn or pages (the callback needs something to map)');
      const prot = protOf(k, vma, a['prot'] as CacheMode);
      const ret = applyToPageRange(k, currentMm(k), addr, a['size'] as number, (s) => {
        const i = (s.addr - addr) / PAGE_SIZE;
        if (pages) return i < pages.length ? { pfn: pages[i]!, prot } : -12;
        return { pfn: first! + i, prot };
      });
      return { ret, fields: pteFields(k, vma, addr) };
    },
  },
  gupCall('get_user_pages', false),
  gupCall('pin_user_pages', true),
  pagesLoop('put_page', gupPutPage, 'put_page(page) for each page of a handle (drops a GUP reference)'),
  pagesLoop('unpin_user_page', unpinUserPage, 'unpin_user_page(page) for each page of a handle'),
  {
    name: 'follow_pfnmap',
    doc: "follow_pfnmap_start(): KVM's read of a VM_IO|VM_PFNMAP PTE, no reference taken — spec 05 §5",
    args: [ADDR],
    run: (k, a) => {
      const r = followPfnmap(currentMm(k), a['addr'] as number);
      if (r.ret) return { ret: r.ret };
      return { ret: 0, fields: { pfn: hex(r.pfn), type: cattrName(k.tables.pgprot2cachemode(r.bits & PAGE_CACHE_MASK)), writable: r.writable, special: r.special } };
    },
  },
  {
    name: 'page_ref_count',
    pure: true,
    doc: 'page_ref_count(page) and page_mapcount(page): the struct page counters',
    args: [{ name: 'page', kind: 'page' }],
    run: (k, a) => ({ fields: { refcount: k.pages.refcount[a['page'] as number]!, mapcount: k.pages.mapcount[a['page'] as number]! } }),
  },
  {
    name: 'unmap_mapping_range',
    doc: "unmap_mapping_range(mapping, holebegin, holelen): zap the file's pages in every VMA of every process (TTM BO move) — spec 04 §8",
    args: [ADDR, { name: 'pgoff', kind: 'count', optional: true }, { name: 'count', kind: 'count', optional: true, doc: 'pages (default: to the end)' }],
    run: (k, a) => {
      const vma = vmaAt(k, a['addr'] as number);
      if (vma.file) unmapMappingRange(k, vma.file, (a['pgoff'] as number | undefined) ?? 0, (a['count'] as number | undefined) ?? 0);
      return {};
    },
  },
  {
    name: 'devmem_mmap',
    doc: 'mmap of /dev/mem at offset phys: STRICT_DEVMEM, WB (UC- with O_DSYNC), whole-VMA remap, failure → -EAGAIN — spec 04 §9',
    args: [{ name: 'phys', kind: 'phys' }, { name: 'size', kind: 'size' }, { name: 'o_dsync', kind: 'bool', optional: true }],
    produces: 'mapping',
    run: (k, a) => mmapResult(devmemMmap(k, currentMm(k), a['phys'] as number, a['size'] as number, (a['o_dsync'] as boolean | undefined) ?? false), '/dev/mem', a['phys'] as number),
  },
  {
    name: 'pci_mmap_resource',
    doc: 'mmap of a PCI sysfs resourceN (UC-) or resourceN_wc (WC) file; the BAR is named by its start — spec 04 §10',
    args: [{ name: 'bar', kind: 'phys', doc: 'start of the BAR (an iomem resource named like 0000:01:00.0)' }, { name: 'size', kind: 'size' }, { name: 'wc', kind: 'bool', optional: true }, { name: 'pgoff', kind: 'count', optional: true }],
    produces: 'mapping',
    run: (k, a) => {
      const pgoff = (a['pgoff'] as number | undefined) ?? 0;
      const r = pciMmapResource(k, currentMm(k), a['bar'] as number, a['size'] as number, (a['wc'] as boolean | undefined) ?? false, pgoff);
      return mmapResult(r, (a['wc'] as boolean | undefined) ? 'resource_wc' : 'resource', (a['bar'] as number) + pgoff * PAGE_SIZE);
    },
  },
];
