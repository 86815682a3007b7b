/**
 * Every live mapping of physical memory the model knows (spec 01 §6.1,
 * spec/07 A9, D4): the direct map and its x86-64 high-map alias, kmap and
 * fixmap slots, vmalloc-area mappings (vmap, ioremap) and user PTEs, as runs
 * of consecutive pfns with equal cache bits.
 */

import { PAGE_CACHE_MASK } from '../hw/pte.js';
import type { Kernel } from '../kernel/kernel.js';
import type { VmArea } from '../kernel/mm/vmalloc.js';
import { vmaMappings } from '../kernel/vm/inventory.js';
import { type MmStruct, vmState } from '../kernel/vm/mm.js';
import type { Vma } from '../kernel/vm/vma.js';

export type MappingKind = 'user' | 'direct' | 'highmap' | 'kmap' | 'vmap' | 'ioremap';

export interface MappingRun {
  kind: MappingKind;
  /** Who owns it: `pid 12 (Xorg) vma 0x7f...`, `ioremap:driver`, `kmap_local`. */
  owner: string;
  /** Stored-form virtual address of the first page. */
  vaddr: number;
  pfn: number;
  npages: number;
  /** 4 KiB-layout cache bits (PWT, PCD, PAT at bit 7). */
  bits4k: number;
  level: '4k' | '2m' | '4m' | '1g';
  /** Step that installed it, when known. */
  step?: number;
  /** User PTEs: special (no struct page refcount) or normal. */
  special?: boolean;
}


/** Mappings other than the direct map and the high map: the ones that can alias a page. */
export function aliasingMappings(k: Kernel): MappingRun[] {
  const out: MappingRun[] = [];
  forEachAliasingSource(k, (s) => out.push(...s.runs()));
  return out;
}

/**
 * Where aliasing mappings come from, in {@link aliasingMappings}' order ({@link forEachAliasingSource}): the
 * kmap and fixmap slots, each vmalloc area, each VMA of each process. A
 * source with the same `stamp` (compared element by element) as at an
 * earlier look has the same runs, so the timeline's recorder reads only the
 * sources a step wrote; `stamp` null: read it every time.
 */
export interface MappingSource {
  /** The kernel's object: the highmem state, a VmArea, a Vma. */
  readonly src: object;
  readonly stamp: readonly unknown[] | null;
  runs(): MappingRun[];
}

/** The one MappingSource {@link forEachAliasingSource} hands out, refilled for each source: the recorder visits every source after every step, and reads few. */
class SourceCursor implements MappingSource {
  src: object = this;
  stamp: unknown[] | null = null;
  private readonly areaStamp: unknown[] = [0, '', 0];
  private readonly vmaStamp: unknown[] = [0, '', 0, null, 0];
  private k: Kernel | null = null;
  private area: VmArea | null = null;
  private mm: MmStruct | null = null;
  private vma: Vma | null = null;

  kmaps(k: Kernel): this {
    this.src = k.highmem;
    this.stamp = null;
    this.k = k;
    this.area = this.vma = this.mm = null;
    return this;
  }

  vmalloc(a: VmArea): this {
    this.src = a;
    const st = (this.stamp = this.areaStamp);
    st[0] = a.start;
    st[1] = a.caller;
    st[2] = a.writeGen;
    this.area = a;
    this.vma = this.mm = null;
    return this;
  }

  user(mm: MmStruct, vma: Vma): this {
    this.src = vma;
    const st = (this.stamp = this.vmaStamp);
    st[0] = mm.pid;
    st[1] = mm.comm;
    st[2] = vma.start;
    st[3] = vma.ptes;
    st[4] = vma.ptes.writeGen;
    this.mm = mm;
    this.vma = vma;
    this.area = null;
    return this;
  }

  runs(): MappingRun[] {
    if (this.vma) return vmaRuns(this.mm!, this.vma);
    if (this.area) return areaRuns(this.area);
    return kmapRuns(this.k!);
  }
}

/** Visit the sources in order; what `visit` gets (stamp included) is valid until it returns. */
export function forEachAliasingSource(k: Kernel, visit: (s: MappingSource) => void): void {
  const c = new SourceCursor();
  visit(c.kmaps(k));
  for (const a of k.vmalloc.liveAreas()) visit(c.vmalloc(a));
  for (const mm of vmState(k).sorted()) for (const vma of mm.vmas) visit(c.user(mm, vma));
}

/** The mapped kmap (pkmap) and fixmap (kmap_local) slots. */
function kmapRuns(k: Kernel): MappingRun[] {
  const out: MappingRun[] = [];
  for (const s of k.highmem.mappedSlots())
    out.push({ kind: 'kmap', owner: s.kind === 'pkmap' ? 'kmap' : 'kmap_local', vaddr: s.va, pfn: s.pfn, npages: 1, bits4k: s.bits & PAGE_CACHE_MASK, level: '4k' });
  return out;
}

/** A vmalloc area's pages (vmap, ioremap) as runs of consecutive pages with consecutive pfns and equal bits, across segments. */
function areaRuns(a: VmArea): MappingRun[] {
  const out: MappingRun[] = [];
  const kind: MappingKind = a.caller.startsWith('ioremap') ? 'ioremap' : 'vmap';
  let run: MappingRun | null = null;
  let runEnd = -1;
  let runBits = -1;
  const push = (i: number, pfn: number, n: number, bits: number): void => {
    if (run && runEnd === i && run.pfn + run.npages === pfn && run.bits4k === (bits & PAGE_CACHE_MASK) && runBits === bits) {
      run.npages += n;
      runEnd += n;
      return;
    }
    run = { kind, owner: a.caller, vaddr: a.start + i * 4096, pfn, npages: n, bits4k: bits & PAGE_CACHE_MASK, level: '4k' };
    runBits = bits;
    runEnd = i + n;
    out.push(run);
  };
  for (const g of a.segs) {
    if (!g.list) push(g.at, g.pfn, g.n, g.bits);
    else for (let i = 0; i < g.n; i++) push(g.at + i, g.list[i]!, 1, g.bits);
  }
  return out;
}

/** One VMA's present user PTEs. */
function vmaRuns(mm: MmStruct, vma: Vma): MappingRun[] {
  const out: MappingRun[] = [];
  for (const u of vmaMappings(mm, vma))
    out.push({
      kind: 'user',
      owner: `pid ${u.pid} (${u.comm})`,
      vaddr: u.vaddr,
      pfn: u.pfn,
      npages: u.npages,
      bits4k: u.bits & PAGE_CACHE_MASK,
      level: u.level,
      step: u.step,
      special: u.special,
    });
  return out;
}

/** The cache bits of `pfn`'s direct-map entry and high-map entry (-1 where absent). */
function linearBits4k(k: Kernel, pfn: number): [number, number] {
  const dm = k.directMap;
  const hm = dm.highMap;
  return [dm.map.present(pfn) ? dm.map.bits4k(pfn) & PAGE_CACHE_MASK : -1, hm && hm.present(pfn) ? hm.bits4k(pfn) & PAGE_CACHE_MASK : -1];
}

/** The kernel's own linear mappings of one pfn: the direct map and, for the kernel image on x86-64, the high map. */
export function linearMappingsOf(k: Kernel, pfn: number): MappingRun[] {
  const out: MappingRun[] = [];
  const [direct, high] = linearBits4k(k, pfn);
  const dm = k.directMap;
  if (direct >= 0) out.push({ kind: 'direct', owner: 'direct map', vaddr: dm.map.vaOf(pfn), pfn, npages: 1, bits4k: direct, level: dm.map.lookup(pfn)!.level });
  const hm = dm.highMap;
  if (hm && high >= 0) out.push({ kind: 'highmap', owner: 'kernel high map', vaddr: hm.vaOf(pfn), pfn, npages: 1, bits4k: high, level: hm.lookup(pfn)!.level });
  return out;
}
