/**
 * Booting a modelled kernel on a machine: `bootKernel(machine)` builds every
 * piece of state the kernel functions work on (DESIGN.md "one Kernel per
 * policy run").
 *
 * Order follows setup_arch(): the e820 map with the BIOS-range trim, memblock
 * and System RAM, max_pfn / max_low_pfn, MTRR and PAT init, the direct map
 * (init_mem_mapping), zones and the memmap (page flags), the page allocator,
 * then the memtype state with its direct-map sync hook. Virtual bases are
 * fixed (no KASLR, spec/07 (b) 8).
 */

import { bugAt, warnOnOnce } from './vm/bug.js';
import { BASELINE_HOOKS, type KernelHooks } from './hooks.js';
import { Subsystems } from './subsystems.js';
import type { Task } from './pat/memtype.js';
import { PAT_RESET } from '../hw/pat-msr.js';
import type { CacheMode } from '../hw/cache-mode.js';
import { CacheModeTables } from '../hw/pte.js';
import type { VirtualLayout } from './context.js';
import { KernelLog } from './events.js';
import type { E820Entry, MachineSpec } from './machine.js';
import { newCpaCounters, type CpaCounters } from './mm/counters.js';
import type { DirectMap } from './mm/direct-map.js';
import { buildDirectMap } from './mm/direct-map-boot.js';
import { Highmem } from './mm/highmem.js';
import { KernelPageTable, LinearRegion } from './mm/kernel-pgtable.js';
import type { MmContext } from './mm/mm-context.js';
import { PG_BUDDY, PG_NOMEM, PG_RESERVED, PageArray } from './mm/page.js';
import { PageAllocator } from './mm/page-alloc.js';
import { SystemRam, type RamResource } from './mm/system-ram.js';
import { Vmalloc } from './mm/vmalloc.js';
import { Zones, type PfnRange } from './mm/zones.js';
import { mtrrStateOf } from './mtrr/mtrr-init.js';
import { bootMemtype } from './pat/boot.js';
import type { Memtype, MtrrTypeLookup } from './pat/memtype.js';
import { memtypeKernelMapSync } from './pat/memtype-sync.js';
import { patBootInit } from './pat/pat-init.js';
import { endOfRamPfn, findLowPfnRange, pkmapBase, vmallocEnd } from './setup/lowmem.js';
import { reserveBootMemtypes } from './setup/boot-reservations.js';
import { markRodataRoGbSplit } from './setup/mark-rodata.js';
import { ptpClassifierJit } from './setup/bpf-jit.js';
import { kernelFlags, type KernelFlags } from './version.js';

const KV_BIAS_64 = 0xffff000000000000n;
/** Stored forms (minus the bias) of the x86-64 bases (Documentation/arch/x86/x86_64/mm.rst, 4-level, no KASLR). */
const PAGE_OFFSET_64 = 0x888000000000; // 0xffff888000000000
const VMALLOC_START_64 = 0xc90000000000; // 0xffffc90000000000
const VMALLOC_END_64 = 0xe90000000000; // 0xffffe8ffffffffff + 1
const START_KERNEL_MAP_64 = 0xffff80000000; // 0xffffffff80000000
/** The module area, MODULES_VADDR (__START_KERNEL_map + KERNEL_IMAGE_SIZE, 1 GiB with KASLR) to MODULES_END. */
const MODULES_VADDR_64 = 0xffffc0000000; // 0xffffffffc0000000
const MODULES_END_64 = 0xffffff000000; // 0xffffffffff000000
const PAGE_OFFSET_32 = 0xc0000000;
/** VMALLOC_OFFSET: the 8 MiB gap between high_memory and VMALLOC_START on 32-bit. */
const VMALLOC_OFFSET_32 = 8 << 20;
/**
 * Address of CPU 0's first kmap_local fixmap slot on 32-bit (FIX_KMAP_BEGIN;
 * slots go down from it). The real value depends on the fixmap layout of the
 * config; any address in the fixmap area above the pkmaps gives the same
 * behaviour (model choice).
 */
const FIXMAP_KMAP_BASE_32 = 0xfff00000;
/** First MiB: always memblock-reserved since v5.13 ("x86/setup: always reserve the first 1M of RAM"). */
const RESERVE_LOW_PFN = 256;

/** What PAT init decided for this machine (spec 02 §2). */
export interface PatDecision {
  patEnabled: boolean;
  /** The MSR the hardware decodes PTE bits with (the reset layout when the CPU has no PAT). */
  msr: bigint;
  /** The MSR value Linux's translation tables are built from. */
  tablesFrom: bigint;
  messages: string[];
}

/**
 * PAT init for `machine`: delegates to `patBootInit` (kernel/pat/pat-init.ts,
 * the per-version decision). Kept as one named function so the decision can
 * be swapped in one place.
 */
export function decidePat(machine: MachineSpec, flags: KernelFlags): PatDecision {
  const r = patBootInit(machine, flags);
  return { patEnabled: r.patEnabled, msr: r.msrInEffect ?? PAT_RESET, tablesFrom: r.tablesFrom, messages: r.messages };
}

/**
 * `trim_bios_range()` (arch/x86/kernel/setup.c): page 0 becomes reserved
 * (`e820: update [mem 0x00000000-0x00000fff] usable ==> reserved`) and RAM
 * in [0xA0000, 0x100000) is removed. Returns the usable ranges, byte-exact.
 */
export function usableAfterTrim(e820: readonly E820Entry[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  const cut = (s: number, e: number): void => {
    const pieces: [number, number][] = [
      [s, Math.min(e, 0xa0000)],
      [Math.max(s, 0x100000), e],
    ];
    for (const [a, b] of pieces) {
      const a2 = Math.max(a, 4096);
      if (b > a2) out.push({ start: a2, end: b });
    }
  };
  for (const e of e820) if (e.type === 'usable') cut(e.start, e.end);
  return out.sort((a, b) => a.start - b.start);
}

/** memblock_add() merging: adjacent or overlapping regions join. */
function mergeRanges(rs: readonly { start: number; end: number }[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

export class Kernel implements MmContext {
  readonly subsystems = new Subsystems();
  /** `current`, shared with the memtype code that names it in its messages (it also runs without a Kernel, for memtype traces). */
  get current(): Task {
    return this.memtype.current;
  }
  set current(t: Task) {
    this.memtype.current = t;
  }
  readonly flags: KernelFlags;
  readonly log = new KernelLog();
  readonly counters: CpaCounters = newCpaCounters();
  readonly patEnabled: boolean;
  readonly tables: CacheModeTables;
  readonly patMsr: bigint;
  readonly memtype: Memtype;
  readonly mtrr: MtrrTypeLookup;
  readonly systemRam: SystemRam;
  readonly pages: PageArray;
  readonly zones: Zones;
  readonly layout: VirtualLayout;
  readonly directMap: DirectMap;
  readonly pgtable = new KernelPageTable();
  readonly highmem: Highmem;
  readonly vmalloc: Vmalloc;
  /** The module area (`module_alloc()`); on x86-32 it is part of the vmalloc space. */
  readonly modules: Vmalloc;
  readonly allocator: PageAllocator;
  readonly is64: boolean;
  tlbSinglePageFlushCeiling = 33;
  readonly warnedOnce = new Set<string>();
  /** memblock memory, pfn-aligned. */
  readonly memblock: PfnRange[];
  readonly maxPfn: number;
  readonly maxLowPfn: number;
  readonly highMemoryPfn: number;
  /** Boot messages in order (also in the log at step 0). */
  readonly bootMessages: string[] = [];

  constructor(
    readonly machine: MachineSpec,
    readonly hooks: KernelHooks = BASELINE_HOOKS,
  ) {
    const m = machine;
    this.flags = kernelFlags(m.kernel);
    this.is64 = m.arch === 'x86-64';

    // e820 -> System RAM resources and memblock memory.
    const usable = usableAfterTrim(m.e820);
    const ramRes: RamResource[] = usable.map((r) => ({ start: r.start, endIncl: r.end - 1 }));
    this.systemRam = new SystemRam(ramRes);
    const memBytes = mergeRanges(usable);

    // max_pfn, max_low_pfn (x86-32: MAXMEM; without CONFIG_HIGHMEM max_pfn is cut there).
    let maxPfn = endOfRamPfn(m.e820, m.arch);
    let maxLowPfn = maxPfn;
    if (!this.is64) {
      maxLowPfn = m.maxLowPfn ?? findLowPfnRange(maxPfn, m.arch, m.config.highmem);
      maxLowPfn = Math.min(maxLowPfn, maxPfn);
      if (!m.config.highmem) maxPfn = maxLowPfn;
    }
    this.maxPfn = maxPfn;
    this.maxLowPfn = maxLowPfn;
    this.highMemoryPfn = this.is64 ? maxPfn : maxLowPfn;
    this.memblock = [];
    for (const r of memBytes) {
      const s = Math.ceil(r.start / 4096);
      const e = Math.min(Math.floor(r.end / 4096), maxPfn);
      if (e > s) this.memblock.push({ start: s, end: e });
    }

    // PAT and MTRR.
    const pat = decidePat(m, this.flags);
    this.patEnabled = pat.patEnabled;
    this.patMsr = pat.msr;
    const mt = bootMemtype(
      {
        patEnabled: pat.patEnabled,
        patMsr: pat.tablesFrom,
        debugpat: m.boot.debugpat,
        ram: this.systemRam,
        mtrr: mtrrStateOf(m),
        flags: this.flags,
        is64bit: this.is64,
        hooks,
      },
      this.log,
    );
    this.tables = mt.tables;
    this.mtrr = mt.mtrrLookup;
    this.memtype = mt.memtype;

    // The direct map and the virtual layout.
    this.directMap = buildDirectMap({
      arch: m.arch,
      memory: memBytes.filter((r) => r.start < maxPfn * 4096).map((r) => ({ start: r.start, end: Math.min(r.end, maxPfn * 4096) })),
      mapEndPfn: this.is64 ? maxPfn : maxLowPfn,
      pse: m.cpu.pse,
      gbpages: m.cpu.gbpages && !m.boot.nogbpages,
      debugPagealloc: m.boot.debugPagealloc,
      pageOffset: this.is64 ? PAGE_OFFSET_64 : PAGE_OFFSET_32,
      highMapBase: this.is64 ? START_KERNEL_MAP_64 : null,
      kernelImage: m.kernelImage,
    });
    if (this.is64) {
      this.layout = {
        kvBias: KV_BIAS_64,
        pageOffset: PAGE_OFFSET_64,
        directMapEndPfn: this.directMap.maxPfnMapped,
        highMapBase: START_KERNEL_MAP_64,
        vmallocStart: VMALLOC_START_64,
        vmallocEnd: VMALLOC_END_64,
        pkmapBase: null,
        fixmapKmapBase: null,
      };
    } else {
      const highMemory = PAGE_OFFSET_32 + maxLowPfn * 4096;
      this.layout = {
        kvBias: 0n,
        pageOffset: PAGE_OFFSET_32,
        directMapEndPfn: maxLowPfn,
        highMapBase: null,
        vmallocStart: Math.floor((highMemory + VMALLOC_OFFSET_32) / VMALLOC_OFFSET_32) * VMALLOC_OFFSET_32,
        vmallocEnd: vmallocEnd(m.arch, m.config.highmem),
        pkmapBase: m.config.highmem ? pkmapBase(m.arch) : null,
        fixmapKmapBase: m.config.highmem ? FIXMAP_KMAP_BASE_32 : null,
      };
    }

    // The memmap: every pfn below max_pfn has a struct page.
    this.pages = new PageArray(maxPfn);
    const flags = this.pages.flags;
    flags.fill(PG_RESERVED | PG_NOMEM);
    // Holes hold a reference (reserved); memblock memory starts free (refcount 0, the
    // array's initial value): fill only the holes, one pass over the 4-byte counts.
    let holeStart = 0;
    for (const r of this.memblock) {
      flags.fill(PG_BUDDY, r.start, r.end);
      this.pages.refcount.fill(1, holeStart, r.start);
      holeStart = r.end;
    }
    this.pages.refcount.fill(1, holeStart, maxPfn);
    const reserve = (s: number, e: number): void => {
      for (let p = Math.max(s, 0); p < Math.min(e, maxPfn); p++) {
        if (flags.get(p) & PG_BUDDY) {
          flags.set(p, PG_RESERVED);
          this.pages.refcount.set(p, 1);
        }
      }
    };
    reserve(0, RESERVE_LOW_PFN);
    reserve(Math.floor(m.kernelImage.start / 4096), Math.ceil(m.kernelImage.end / 4096));
    if (!this.is64) this.pages.markHighmem(maxLowPfn, maxPfn);

    this.zones = new Zones(m.arch, this.memblock, maxPfn, maxLowPfn);
    this.allocator = new PageAllocator(this.pages, this.zones, m.fragmentation);

    // Kernel page-table regions CPA can see.
    this.pgtable.add(new LinearRegion('direct', this.directMap.map));
    if (this.directMap.highMap) this.pgtable.add(new LinearRegion('highmap', this.directMap.highMap));
    this.vmalloc = new Vmalloc(this.layout.vmallocStart, this.layout.vmallocEnd);
    this.pgtable.add(this.vmalloc);
    if (this.is64) {
      this.modules = new Vmalloc(MODULES_VADDR_64, MODULES_END_64);
      this.pgtable.add(this.modules);
    } else this.modules = this.vmalloc;
    const cb = this.callbacks();
    this.highmem = new Highmem(this.pages, cb.directVa, this.layout, m.arch === 'x86-32' ? 1024 : 512, cb.onPkmapFlush, cb.reactions);
    for (const r of this.highmem.regions()) this.pgtable.add(r);

    this.memtype.kernelMapSync = cb.kernelMapSync;

    this.bootMessages.push(...pat.messages, ...this.directMap.messages, ...this.zones.zoneRangesLines());
    for (const line of this.bootMessages) this.log.emit('info', line);
    // Firmware mappings boot code keeps (ACPI tables, HPET): the initial pat_memtype_list.
    reserveBootMemtypes(m, this.memtype);
    // Late boot, in initcall order: sock_init()'s BPF JIT makes its pages'
    // direct-map alias read-only; mark_rodata_ro() splits a 1 GiB direct-map
    // leaf under the kernel image.
    const lateBoot = this.log.events.length;
    ptpClassifierJit(this);
    markRodataRoGbSplit(this);
    // Costs and the event log describe what a scenario does: boot's page-table
    // work shows in the state it leaves (DirectMap lines), its messages stay.
    Object.assign(this.counters, newCpaCounters());
    this.log.events.push(...this.log.events.splice(lateBoot).filter((e) => e.kind === 'printk'));
    this.directMap.running = true;
  }

  /**
   * The callbacks the kernel's parts call back into it with, each a closure
   * over this kernel: the only functions in its state, so a clone
   * (kernel/clone.ts) installs its own with `rewire()`.
   */
  private callbacks() {
    return {
      directVa: (pfn: number): number => this.directMap.va(pfn),
      onPkmapFlush: (): void => {
        // flush_tlb_kernel_range() over LAST_PKMAP pages: above the single-page ceiling, a global flush.
        this.counters.tlbFlushAll++;
        this.counters.ipis += Math.max(this.machine.cpu.nCpus - 1, 0);
      },
      reactions: { bug: (fn: string, what: string): never => bugAt(this, fn, what, 'mm/highmem.c'), warnOnce: (site: string): void => warnOnOnce(this, site) },
      kernelMapSync: (base: number, size: number, pcm: CacheMode): number => memtypeKernelMapSync(this, base, size, pcm),
    };
  }

  /** Install this kernel's own callbacks in its parts (after cloning another kernel's state). */
  rewire(): void {
    const cb = this.callbacks();
    this.highmem.rewire(cb.directVa, cb.onPkmapFlush, cb.reactions);
    this.memtype.kernelMapSync = cb.kernelMapSync;
  }

  /** The DirectMap lines of `/proc/meminfo`. */
  meminfoDirectMap(): string[] {
    return this.directMap.meminfoLines();
  }

  /** `__va(pfn << PAGE_SHIFT)`: stored direct-map address of a lowmem pfn. */
  va(pfn: number): number {
    return this.directMap.va(pfn);
  }
}

/** Boot `machine` (spec 03 §1; spec/07 (b) 8, 9). */
export function bootKernel(machine: MachineSpec, hooks: KernelHooks = BASELINE_HOOKS): Kernel {
  return new Kernel(machine, hooks);
}
