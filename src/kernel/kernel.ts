/**
 * Booting a modelled kernel on a machine: `bootKernel(machine)` builds every
 * piece of state the kernel functions work on (DESIGN.md "one Kernel per
 * policy run").
 *
 * The constructor runs the boot stages of `setup/` in the kernel's order
 * (start_kernel() → setup_arch() → mm_core_init() → rest_init()): the e820
 * map, System RAM, memblock and max_pfn (`setup/e820.ts`); MTRR and PAT init
 * and the memtype state (`setup/cache-init.ts`); the direct map
 * (`setup/init-mem-mapping.ts`) and the virtual layout (`setup/layout.ts`);
 * the memmap and the buddy allocator's view of it (`setup/memmap.ts`), the
 * zones; the kernel page-table regions (vmalloc, modules, kmap); then the
 * firmware mappings and the initcalls that change the direct map
 * (`setup/initcalls.ts`). Virtual bases are fixed (no KASLR, spec/07 (b) 8).
 */

import { freezeDeep } from './freeze.js';
import { bugAt, warnOnOnce } from './vm/bug.js';
import { BASELINE_HOOKS, type KernelHooks } from './hooks.js';
import { Subsystems } from './subsystems.js';
import { idleTask, type Task } from './task.js';
import type { CacheMode } from '../hw/cache-mode.js';
import type { CacheModeTables } from '../hw/pte.js';
import type { VirtualLayout } from './context.js';
import { KernelLog } from './events.js';
import type { E820Entry, MachineSpec } from './machine.js';
import { newCpaCounters, type CpaCounters } from './mm/counters.js';
import type { DirectMap } from './mm/direct-map.js';
import { Highmem } from './mm/highmem.js';
import { KernelPageTable, LinearRegion } from './mm/kernel-pgtable.js';
import type { MmContext } from './mm/mm-context.js';
import type { PageArray } from './mm/page.js';
import { PageAllocator } from './mm/page-alloc.js';
import type { SystemRam } from './mm/system-ram.js';
import { lazyMaxPages, Vmalloc } from './mm/vmalloc.js';
import { Zones, type PfnRange } from './mm/zones.js';
import type { Memtype, MtrrTypeLookup } from './pat/memtype.js';
import { memtypeKernelMapSync } from './pat/memtype-sync.js';
import { cacheInit } from './setup/cache-init.js';
import { setupMemory } from './setup/e820.js';
import { e820Table } from './setup/e820-table.js';
import { initMemMapping } from './setup/init-mem-mapping.js';
import { restInit } from './setup/initcalls.js';
import { MODULES_END_64, MODULES_VADDR_64, virtualLayout } from './setup/layout.js';
import { memmapInit } from './setup/memmap.js';
import { kernelFlags, type KernelFlags } from './version.js';

export class Kernel implements MmContext {
  readonly subsystems = new Subsystems();
  /** `current`: the task the running step acts as (the memtype code reads it here too: this kernel is its `ctx`). */
  current: Task = idleTask();
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
  readonly e820: readonly E820Entry[];
  /** Boot messages in order (also in the log at step 0). */
  readonly bootMessages: string[] = [];

  constructor(
    readonly machine: MachineSpec,
    readonly hooks: KernelHooks = BASELINE_HOOKS,
  ) {
    const m = machine;
    this.flags = kernelFlags(m.kernel);
    this.is64 = m.arch === 'x86-64';

    // setup_arch(): e820__memory_setup() (and its SETUP_E820_EXT part), then System RAM, memblock, max_pfn / max_low_pfn.
    const e820 = e820Table(m.e820, m.config.nodesShift);
    this.e820 = e820.table;
    for (const line of e820.errors) this.log.emit('err', line);
    const mem = setupMemory(m, this.e820);
    this.systemRam = mem.systemRam;
    this.memblock = mem.memblock;
    this.maxPfn = mem.maxPfn;
    this.maxLowPfn = mem.maxLowPfn;
    this.highMemoryPfn = mem.highMemoryPfn;

    // setup_arch(): mtrr_bp_init(), PAT, init_cache_modes(); the memtype state.
    const { pat, booted } = cacheInit(m, this.flags, this.systemRam, hooks, this, this.log);
    this.patEnabled = pat.patEnabled;
    this.patMsr = pat.msr;
    this.tables = booted.tables;
    this.mtrr = booted.mtrrLookup;
    this.memtype = booted.memtype;

    // setup_arch(): init_mem_mapping(), and the layout around the direct map.
    this.directMap = initMemMapping(m, mem);
    this.layout = virtualLayout(m, mem, this.directMap);

    // mm_core_init(): the memmap as memblock_free_all() hands it to the buddy; zone_sizes_init().
    this.pages = memmapInit(m, mem);
    this.zones = new Zones(m.arch, this.memblock, this.maxPfn, this.maxLowPfn);
    this.allocator = new PageAllocator(this.pages, this.zones, m.fragmentation);

    // Kernel page-table regions CPA can see: the direct map, the high map,
    // vmalloc_init(), the module area, kmap_init()'s pkmap and fixmap slots.
    this.pgtable.add(new LinearRegion('direct', this.directMap.map));
    if (this.directMap.highMap) this.pgtable.add(new LinearRegion('highmap', this.directMap.highMap));
    this.vmalloc = new Vmalloc(this.layout.vmallocStart, this.layout.vmallocEnd, lazyMaxPages(m.cpu.nCpus), this.log);
    this.pgtable.add(this.vmalloc);
    if (this.is64) {
      this.modules = new Vmalloc(MODULES_VADDR_64, MODULES_END_64, lazyMaxPages(m.cpu.nCpus), this.log);
      this.pgtable.add(this.modules);
    } else this.modules = this.vmalloc;
    const cb = this.callbacks();
    this.highmem = new Highmem(this.pages, cb.directVa, this.layout, m.arch === 'x86-32' ? 1024 : 512, cb.onPkmapFlush, cb.reactions);
    for (const r of this.highmem.regions()) this.pgtable.add(r);
    this.memtype.kernelMapSync = cb.kernelMapSync;

    this.bootMessages.push(...pat.messages, ...this.directMap.messages, ...this.zones.zoneRangesLines());
    for (const line of this.bootMessages) this.log.emit('info', line);
    // rest_init(): firmware mappings, then the initcalls that touch the direct map.
    restInit(this);
    // What the kernel fixed at boot: copies share it (kernel/freeze.ts).
    for (const fixed of [this.e820, this.memblock, this.systemRam, this.zones, this.layout, this.bootMessages, this.tables, this.mtrr]) freezeDeep(fixed);
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
