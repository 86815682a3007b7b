/**
 * Processes and their address spaces (`struct mm_struct`; spec 04 §8): the
 * sorted VMA list, the file-page RSS counter, and the per-kernel table of
 * processes by pid.
 *
 * The vm state is a kernel subsystem (kernel/subsystems.ts), so the boot
 * code need not know about it: the first user-mapping call creates it.
 */

import type { KernelContext } from '../context.js';
import { subsystemKey } from '../subsystems.js';
import type { PfnmapTrackCtx, Vma, VmFile } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';

const PMD_SIZE = 0x200000;
/** `mm->mmap_base` (top-down layout, no ASLR: spec/07 (b) 8): below the stack on x86-64, below TASK_SIZE (3 GiB split) on 32-bit. */
export const MMAP_BASE_64 = 0x7f0000000000;
export const MMAP_BASE_32 = 0xb0000000;
/** Lowest address the allocator hands out (`mmap_min_addr` region skipped generously). */
const MMAP_MIN = 0x10000;

export class MmStruct {
  /** VMAs sorted by start, non-overlapping. */
  readonly vmas: Vma[] = [];
  /** `MM_FILEPAGES`: normal pages mapped by PTEs of this mm. */
  rssFile = 0;

  constructor(
    public pid: number,
    public comm: string,
    /** `mm->mmap_base`. */
    readonly mmapBase = MMAP_BASE_64,
  ) {}

  /** `find_vma(mm, addr)` restricted to VMAs that contain `addr` (`vma_lookup`). */
  vmaLookup(addr: number): Vma | null {
    for (const v of this.vmas) if (addr >= v.start && addr < v.end) return v;
    return null;
  }

  /** VMAs overlapping `[start, end)`, in address order. */
  overlapping(start: number, end: number): Vma[] {
    return this.vmas.filter((v) => v.start < end && v.end > start);
  }

  insertVma(v: Vma): void {
    let i = 0;
    while (i < this.vmas.length && this.vmas[i]!.start < v.start) i++;
    this.vmas.splice(i, 0, v);
  }

  removeVma(v: Vma): void {
    const i = this.vmas.indexOf(v);
    if (i >= 0) this.vmas.splice(i, 1);
  }

  /**
   * `get_unmapped_area()` top-down: the highest free gap below `MMAP_BASE`
   * that fits; mappings of 2 MiB or more are 2 MiB aligned (as THP-aligned
   * `thp_get_unmapped_area` would), so huge leaves can be inserted. -1 if
   * nothing fits.
   */
  getUnmappedArea(len: number): number {
    const align = len >= PMD_SIZE ? PMD_SIZE : PAGE_SIZE;
    let top = this.mmapBase;
    const sorted = [...this.vmas].sort((a, b) => b.start - a.start);
    for (const v of sorted) {
      if (v.start >= top) continue;
      if (v.end <= top) {
        const cand = Math.floor((top - len) / align) * align;
        if (cand >= v.end) return cand;
      }
      top = v.start;
    }
    const cand = Math.floor((top - len) / align) * align;
    return cand >= MMAP_MIN ? cand : -1;
  }

  /** Whether `[start, end)` is free of VMAs. */
  isFree(start: number, end: number): boolean {
    return this.overlapping(start, end).length === 0;
  }
}

/** Everything user-mapping code keeps per booted kernel. */
export class VmState {
  readonly procs = new Map<number, MmStruct>();
  private nextFile = 1;
  private nextCtx = 1;
  /** Live tracking contexts (v6.16+), for tests and displays. */
  readonly liveCtx = new Set<PfnmapTrackCtx>();

  private readonly named = new Map<string, VmFile>();

  newFile(name: string, opts: { ownsPagesUnrefcounted?: boolean } = {}): VmFile {
    return { id: this.nextFile++, name, ...(opts.ownsPagesUnrefcounted ? { ownsPagesUnrefcounted: true } : {}) };
  }

  /** The one file of a given name (`/dev/mem`, a PCI `resourceN`), shared by every opener. */
  fileNamed(name: string): VmFile {
    let f = this.named.get(name);
    if (!f) {
      f = this.newFile(name);
      this.named.set(name, f);
    }
    return f;
  }

  newCtx(pfn: number, size: number): PfnmapTrackCtx {
    const c = { kref: 1, pfn, size, id: this.nextCtx++ };
    this.liveCtx.add(c);
    return c;
  }

  /** A free pid above every live one (fork's child when none is given). */
  nextPid(): number {
    let p = 1;
    for (const pid of this.procs.keys()) p = Math.max(p, pid + 1);
    return p;
  }

  /** Processes in pid order (deterministic iteration). */
  sorted(): MmStruct[] {
    return [...this.procs.values()].sort((a, b) => a.pid - b.pid);
  }
}

const VM = subsystemKey('vm', () => new VmState());

/** The vm state of a booted kernel (created on first use). */
export function vmState(k: KernelContext): VmState {
  return k.subsystems.get(VM);
}

/** The mm of process `pid`, created empty (with `comm`) if it does not exist. */
export function processMm(k: KernelContext, pid: number, comm: string): MmStruct {
  const s = vmState(k);
  let mm = s.procs.get(pid);
  if (!mm) {
    mm = new MmStruct(pid, comm, mmapBaseOf(k));
    s.procs.set(pid, mm);
  }
  return mm;
}

/** `current->mm`: the process the running step names (`k.current`, set per step). */
export function currentMm(k: KernelContext): MmStruct {
  const c = k.current;
  return processMm(k, c.pid, c.comm);
}

/** The fixed `mmap_base` of the machine's architecture. */
export function mmapBaseOf(k: KernelContext): number {
  return k.machine.arch === 'x86-64' ? MMAP_BASE_64 : MMAP_BASE_32;
}
