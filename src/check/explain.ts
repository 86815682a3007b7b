/**
 * Why a mapping has its memory type (issue 12 item 5): the kernel's
 * decisions, as the functions on the path recorded them in the `map` event
 * that installed the mapping (kernel/chain.ts), followed by what the
 * hardware makes of the PTE bits (spec 01 §2, §3.2, §4): PAT index → PAT
 * entry under the PAT MSR → MTRR type of the address → effective type.
 *
 * It reads the kernel as it is at the step explained (the run stopped
 * there), so "the latest map event" is the one in force at that step.
 */

import { cacheModeShort, memTypeShort, type CacheMode, type MemType } from '../hw/cache-mode.js';
import { patIndex } from '../hw/pte.js';
import type { ChainLink } from '../kernel/chain.js';
import type { KernelEvent } from '../kernel/events.js';
import type { Kernel } from '../kernel/kernel.js';
import { EffectiveTypes } from './effective.js';
import { aliasingMappings, linearMappingsOf, type MappingRun } from './inventory.js';
import { PAGE_SIZE } from '../hw/page.js';

export type ExplainLink = ChainLink;

/** One live mapping of the pfn explained, and the chain that gave it its type. */
export interface ExplainedMapping {
  kind: MappingRun['kind'];
  owner: string;
  /** Stored-form virtual address of the explained pfn in this mapping. */
  vaddr: number;
  pfn: number;
  /** 4 KiB-layout cache bits of the entry. */
  bits4k: number;
  level: MappingRun['level'];
  links: ExplainLink[];
  /** The effective type's short name (`WB`, `WC`, `UC`). */
  effective: string;
}

type MapEvent = Extract<KernelEvent, { kind: 'map' }>;


/** The map-event space a mapping of this kind is recorded under. */
function spaceOf(kind: MappingRun['kind']): MapEvent['space'] {
  if (kind === 'user') return 'user';
  if (kind === 'kmap') return 'kmap';
  if (kind === 'direct' || kind === 'highmap') return 'direct';
  return 'vmalloc';
}

/** The latest `map` event covering `pfn` in the run's space (at the run's installing step when it is known). */
function installingEvent(k: Kernel, run: MappingRun, pfn: number): MapEvent | null {
  const space = spaceOf(run.kind);
  const ev = k.log.events;
  for (let i = ev.length - 1; i >= 0; i--) {
    const e = ev[i]!;
    if (e.kind !== 'map' || e.space !== space || pfn < e.pfn || pfn >= e.pfn + e.npages) continue;
    if (run.step !== undefined && e.step !== run.step) continue;
    return e;
  }
  return null;
}

/**
 * A RAM page flag's history up to now (`page-memtype` events): where the
 * `lookup_memtype` answer came from. Highmem has no direct map for
 * `set_pages_array_*` to change, which is why its flag usually stays WB.
 */
function pageFlagHistory(k: Kernel, pfn: number): ExplainLink {
  let last: { step: number; type: number } | null = null;
  for (const e of k.log.events) if (e.kind === 'page-memtype' && pfn >= e.spfn && pfn < e.epfn) last = { step: e.step, type: e.type };
  const high = k.pages.isHighMem(pfn) ? 'highmem page' : 'lowmem page';
  const read = `page-flag writes of pfn 0x${pfn.toString(16)} (${high})`;
  if (!last) return { fn: 'page flag history', read, result: `never set since boot: WB${k.pages.isHighMem(pfn) ? ' (no set_pages_array_* reached it)' : ''}` };
  return { fn: 'page flag history', read, result: `last set to ${cacheModeShort(last.type as CacheMode)} at step ${last.step}` };
}

/** The kernel half of the chain: the recorded decisions, or what is known without them. */
function kernelLinks(k: Kernel, run: MappingRun, pfn: number): ExplainLink[] {
  if (run.kind === 'direct' || run.kind === 'highmap') return linearLinks(k, run, pfn);
  const e = installingEvent(k, run, pfn);
  if (!e) return [{ fn: run.owner, read: 'no map event was recorded for this mapping', result: 'its PTE bits as written' }];
  const out: ExplainLink[] = [];
  const chain = e.chain ?? [];
  // Callers that recorded nothing still say what they asked for.
  if (chain.length === 0) out.push({ fn: e.call, read: "caller's request", result: cacheModeShort(e.requested as CacheMode) });
  for (const l of chain) {
    out.push(l);
    if (l.read.endsWith('RAM page flag')) out.push(pageFlagHistory(k, pfn));
  }
  out.push({ fn: e.call, read: `step ${e.step}, requested ${cacheModeShort(e.requested as CacheMode)}`, result: `installed ${cacheModeShort(e.installed as CacheMode)}` });
  return out;
}

/**
 * The direct map (or the kernel high map, its alias): set up WB at boot and
 * changed since only by CPA (`change_page_attr_set_clr`, spec 03 §2), whose
 * last call covering the page (by address, or in pages mode by pfn) says who
 * changed it. CPA keeps the two aliases in step (`cpa_process_alias`).
 */
function linearLinks(k: Kernel, run: MappingRun, pfn: number): ExplainLink[] {
  const boot: ExplainLink = { fn: run.kind === 'direct' ? 'init_memory_mapping' : 'the kernel image map', read: 'boot', result: 'WB' };
  const va = k.directMap.map.vaOf(pfn);
  let last: Extract<KernelEvent, { kind: 'cpa' }> | null = null;
  for (const e of k.log.events) {
    if (e.kind !== 'cpa' || e.ret !== 0) continue;
    const covers = e.pages ? Array.prototype.includes.call(e.pages, pfn) : va >= e.vaddr && va < e.vaddr + e.npages * PAGE_SIZE;
    if (covers) last = e;
  }
  if (!last) return [boot];
  return [boot, { fn: `${last.caller} -> change_page_attr_set_clr`, read: `step ${last.step}, set 0x${last.maskSet.toString(16)} clear 0x${last.maskClr.toString(16)}`, result: 'cache bits rewritten' }];
}

/** The hardware half: PTE bits → PAT index → PAT entry → MTRR type → effective type (spec 01 §2.1, §3.2, §4). */
function hardwareLinks(k: Kernel, eff: EffectiveTypes, run: MappingRun, pfn: number): { links: ExplainLink[]; effective: string } {
  const b = run.bits4k;
  const bit = (n: number): number => (b >> n) & 1;
  const idx = patIndex(b, '4k');
  const t = eff.of(pfn, b);
  const msr = k.machine.cpu.pat ? `PAT MSR 0x${k.patMsr.toString(16).padStart(16, '0')}` : 'no PAT: power-on PCD/PWT decoding';
  const mtrr = k.machine.mtrr && k.machine.cpu.mtrr ? 'MTRRs' : 'no MTRRs (UC)';
  const links: ExplainLink[] = [
    { fn: 'PTE', read: `${run.level} entry, 4 KiB-layout cache bits 0x${b.toString(16)}`, result: `PWT=${bit(3)} PCD=${bit(4)} PAT=${bit(7)}` },
    { fn: 'PAT index', read: 'PAT*4 + PCD*2 + PWT', result: `${k.machine.cpu.pat ? idx : idx & 3}` },
    { fn: 'PAT entry', read: msr, result: memTypeShort(t.pat) },
    { fn: 'MTRR type', read: `${mtrr} at 0x${(pfn * PAGE_SIZE).toString(16)}`, result: memTypeShort(t.mtrr) + (t.mtrrUndefined ? ' (overlapping MTRRs: undefined by the SDM)' : '') },
    { fn: 'effective type', read: `MTRR ${memTypeShort(t.mtrr)} x PAT ${memTypeShort(t.pat)}`, result: memTypeShort(t.effective as MemType) + (t.ucSource ? ` (UC from the ${t.ucSource === 'pat' ? 'PAT entry' : 'MTRR'})` : '') },
  ];
  return { links, effective: memTypeShort(t.effective as MemType) };
}

/** Every live mapping of `pfn` now: the direct map and high map, kmap slots, vmalloc areas (vmap, ioremap), user PTEs. */
export function liveMappingsOfPfn(k: Kernel, pfn: number): MappingRun[] {
  const out = linearMappingsOf(k, pfn);
  for (const r of aliasingMappings(k)) if (pfn >= r.pfn && pfn < r.pfn + r.npages) out.push(r);
  return out;
}

/** The mapping runs that make up a mapping handle's virtual range `[vaddr, vaddr + size)` (user or kernel by address). */
export function mappingsInRange(k: Kernel, vaddr: number, size: number, phys?: number): MappingRun[] {
  const user = vaddr < k.layout.pageOffset;
  const runs = aliasingMappings(k).filter((r) => (r.kind === 'user') === user);
  // A lowmem page's kmap is its direct-map address: the direct map is the mapping.
  if (!user && phys !== undefined) for (let p = Math.floor(phys / PAGE_SIZE); p * PAGE_SIZE < phys + size; p++) runs.push(...linearMappingsOf(k, p));
  return runs.filter((r) => r.vaddr < vaddr + size && r.vaddr + r.npages * PAGE_SIZE > vaddr);
}

/** Explain each page of each run (clipped to `[vaddr, vaddr + size)` when given). */
export function explainRuns(k: Kernel, runs: readonly MappingRun[], clip?: { vaddr: number; size: number }): ExplainedMapping[] {
  const eff = new EffectiveTypes(k.machine, k.patMsr);
  const out: ExplainedMapping[] = [];
  for (const r of runs)
    for (let i = 0; i < r.npages; i++) {
      const va = r.vaddr + i * PAGE_SIZE;
      if (clip && (va < clip.vaddr || va >= clip.vaddr + clip.size)) continue;
      out.push(explainOne(k, eff, r, r.pfn + i, va));
    }
  return out;
}

/** The chain of one page of one mapping. */
export function explainOne(k: Kernel, eff: EffectiveTypes, run: MappingRun, pfn: number, vaddr: number): ExplainedMapping {
  const hw = hardwareLinks(k, eff, run, pfn);
  return { kind: run.kind, owner: run.owner, vaddr, pfn, bits4k: run.bits4k, level: run.level, links: [...kernelLinks(k, run, pfn), ...hw.links], effective: hw.effective };
}
