/**
 * The user half of the mapping inventory the checks read (spec 01 §6.1,
 * spec/07 A9, D4): every present user PTE of every process as runs, and the
 * per-page facts that tell whether a mapped page is refcounted/GUP-able
 * (spec 04 §2).
 */

import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import type { KernelContext } from '../context.js';
import { VM_IO, VM_PFNMAP, _PAGE_SPECIAL } from './flags.js';
import { type MmStruct, vmState } from './mm.js';
import type { Vma } from './vma.js';
import { levelName } from './user-ptes.js';
import { PAGE_SIZE } from '../../hw/page.js';


export interface UserMappingRun {
  pid: number;
  comm: string;
  vmaStart: number;
  vaddr: number;
  pfn: number;
  npages: number;
  /** 4 KiB-layout cache bits (PWT, PCD, PAT at bit 7). */
  bits: number;
  level: '4k' | '2m' | '1g';
  special: boolean;
  /** Step that installed it. */
  step: number;
}

/**
 * Every present user PTE, processes in pid order, VMAs in address order, as
 * runs of consecutive pfns with equal cache bits, level, specialness and
 * installing step.
 */
export function* userMappings(k: KernelContext): Iterable<UserMappingRun> {
  for (const mm of vmState(k).sorted()) for (const vma of mm.vmas) yield* vmaMappings(mm, vma);
}

/** The user PTEs of one VMA of `mm`, as {@link userMappings} gives them: what they are depends only on `mm`'s pid and comm, the VMA's start and its table (`UserPtes.writeGen`). */
export function* vmaMappings(mm: MmStruct, vma: Vma): Iterable<UserMappingRun> {
  // Runs of the table, joined where consecutive slots agree on level, cache bits, specialness and step and map consecutive pfns.
  const rs = vma.ptes.runsIn();
  let j = 0;
  while (j < rs.length) {
    const first = rs[j]!;
    const key = first.bits & (PAGE_CACHE_MASK | _PAGE_SPECIAL);
    let end = first.to;
    let pfnEnd = first.pfn + (first.to - first.from);
    j++;
    for (; j < rs.length; j++) {
      const r = rs[j]!;
      if (r.from !== end || r.level !== first.level || (r.bits & (PAGE_CACHE_MASK | _PAGE_SPECIAL)) !== key || r.step !== first.step || r.pfn !== pfnEnd) break;
      end = r.to;
      pfnEnd = r.pfn + (r.to - r.from);
    }
    yield {
      pid: mm.pid,
      comm: mm.comm,
      vmaStart: vma.start,
      vaddr: vma.start + first.from * PAGE_SIZE,
      pfn: first.pfn,
      npages: end - first.from,
      bits: key & PAGE_CACHE_MASK,
      level: levelName(first.level),
      special: (key & _PAGE_SPECIAL) !== 0,
      step: first.step,
    };
  }
}

/** What the core MM would make of the user PTE at `vaddr` of process `pid` (spec 04 §2). */
export interface UserPageInfo {
  present: boolean;
  pfn: number;
  special: boolean;
  /** `vm_normal_page()` finds a refcounted page. */
  normal: boolean;
  /** GUP would take a reference: normal page in a VMA without `VM_IO|VM_PFNMAP`. */
  gupable: boolean;
  vmaFlags: number;
}

/** The PTE of process `pid` at `vaddr`, or null without a VMA there. */
export function userPageInfo(k: KernelContext, pid: number, vaddr: number): UserPageInfo | null {
  const mm = vmState(k).procs.get(pid);
  const vma = mm?.vmaLookup(vaddr);
  if (!vma) return null;
  const e = vma.ptes.entry(vma.slot(vaddr));
  const present = e !== null;
  const special = e !== null && (e.bits & _PAGE_SPECIAL) !== 0;
  const normal = e !== null && !special && e.pfn < k.pages.nPfns;
  return { present, pfn: e ? e.pfn : -1, special, normal, gupable: normal && !(vma.flags & (VM_IO | VM_PFNMAP)), vmaFlags: vma.flags };
}

/** Live processes as `{pid, comm, vmas}` (for displays). */
export function userProcesses(k: KernelContext): { pid: number; comm: string; vmas: { start: number; end: number; flags: number; trackCtx: number | null }[] }[] {
  return vmState(k)
    .sorted()
    .map((mm) => ({ pid: mm.pid, comm: mm.comm, vmas: mm.vmas.map((v) => ({ start: v.start, end: v.end, flags: v.flags, trackCtx: v.trackCtx ? v.trackCtx.id : null })) }));
}
