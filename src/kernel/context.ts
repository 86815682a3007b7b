/**
 * What the modelled kernel functions are handed: the booted kernel's state.
 *
 * Each subsystem (src/kernel/mm/*, src/kernel/pat/*) takes a `KernelContext`
 * as its first argument, as kernel code reaches its globals. The interfaces
 * here are structural so subsystems depend on what they use, not on each
 * other's classes; `src/kernel/kernel.ts` builds the real objects at boot.
 */

import type { CacheModeTables } from '../hw/pte.js';
import type { KernelLog } from './events.js';
import type { KernelHooks } from './hooks.js';
import type { Subsystems } from './subsystems.js';
import type { Task } from './task.js';
import type { E820Entry, MachineSpec } from './machine.js';
import type { CpaCounters } from './mm/counters.js';
import type { SystemRam } from './mm/system-ram.js';
import type { Memtype, MtrrTypeLookup } from './pat/memtype.js';
import type { KernelFlags } from './version.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../hw/page.js';


/** Page-table levels of a leaf: 4 KiB PTE, 2 MiB (4 MiB non-PAE) PMD, 1 GiB PUD. */
export type LeafLevel = '4k' | '2m' | '4m' | '1g';

/** A present leaf entry mapping a virtual address. `bits` use the leaf's own layout (PAT bit 12 on large leaves). */
export interface PteRef {
  /** pfn mapped at the address (not at the leaf's start). */
  pfn: number;
  level: LeafLevel;
  /** Virtual address where the leaf starts. */
  leafStart: number;
  bits: number;
}

/**
 * Fixed virtual layout (spec/07 (b) 8, 9: fixed bases, no KASLR).
 *
 * Virtual addresses are JS numbers. x86-64 kernel addresses lie in the upper
 * canonical half [0xffff800000000000, 2^64), beyond a double's exact range, so
 * the model stores a kernel address minus `kvBias` (0xffff000000000000 on
 * x86-64, 0 on 32-bit) and adds it back only to print. User addresses (below
 * 2^47) are stored as they are.
 */
export interface VirtualLayout {
  /** Added to a stored kernel address to print it. */
  kvBias: bigint;
  /** PAGE_OFFSET (stored form): virtual address of pfn 0 in the direct map. */
  pageOffset: number;
  /** One past the last direct-mapped pfn (x86-32: max_low_pfn; x86-64: max_pfn_mapped). */
  directMapEndPfn: number;
  /** x86-64 high kernel map base (`__START_KERNEL_map`, stored form), null on 32-bit. */
  highMapBase: number | null;
  vmallocStart: number;
  vmallocEnd: number;
  /** x86-32 persistent kmap area (PKMAP_BASE) and the per-CPU fixmap kmap slots; null on x86-64. */
  pkmapBase: number | null;
  fixmapKmapBase: number | null;
}

/** The printable form of a stored kernel virtual address (`%lx`). */
export function kvToBigint(layout: VirtualLayout, v: number): bigint {
  return layout.kvBias + BigInt(v);
}

/** A zone of physical memory (x86-64: DMA, DMA32, Normal; x86-32: DMA, Normal, HighMem). */
export type ZoneName = 'DMA' | 'DMA32' | 'Normal' | 'HighMem';

/** Per-page `struct page` state in typed arrays (DESIGN.md). */
/** One number per pfn (kernel/mm/page-chunks.ts); out of range a read gives undefined and a write does nothing, as a typed array's. */
export interface PageField {
  get(pfn: number): number;
  set(pfn: number, v: number): void;
  fill(v: number, start?: number, end?: number): void;
}

export interface PageState {
  readonly nPfns: number;
  /** PG_* bits, see kernel/mm/page.ts. */
  readonly flags: PageField;
  readonly refcount: PageField;
  readonly mapcount: PageField;
}

/** Zone layout derived from the machine. */
export interface ZoneLayout {
  zoneOf(pfn: number): ZoneName;
  /** pfn ranges `[start, end)` of each populated zone, in address order. */
  readonly ranges: readonly { zone: ZoneName; start: number; end: number }[];
  /** x86-32: first highmem pfn (max_low_pfn); x86-64: Infinity. */
  readonly maxLowPfn: number;
  isHighmem(pfn: number): boolean;
}

export interface KernelContext {
  readonly machine: MachineSpec;
  /** `e820_table`: the firmware's map as the kernel keeps it (kernel/setup/e820-table.ts); boot and later checks read this, not `machine.e820`. */
  readonly e820: readonly E820Entry[];
  readonly flags: KernelFlags;
  readonly log: KernelLog;
  readonly counters: CpaCounters;
  /** `pat_enabled()` after boot. */
  readonly patEnabled: boolean;
  /** Linux's translation tables (cachemode2protval / pgprot2cachemode). */
  readonly tables: CacheModeTables;
  /** The PAT MSR in effect (what the hardware decodes PTE bits with). */
  readonly patMsr: bigint;
  readonly memtype: Memtype;
  /** WARN_ONCE sites that fired this boot (kernel/mm/warn.ts): each warns once per boot. */
  readonly warnedOnce: Set<string>;
  readonly mtrr: MtrrTypeLookup;
  /** System RAM resources (from e820 usable ranges). */
  readonly systemRam: SystemRam;
  readonly pages: PageState;
  readonly zones: ZoneLayout;
  readonly layout: VirtualLayout;
  /** The design under test's hook settings (src/kernel/hooks.ts); baseline = today's kernel. */
  readonly hooks: KernelHooks;
  /** Subsystem state (vm, TTM, KVM, page references, ...), each under its own key (subsystems.ts). */
  readonly subsystems: Subsystems;
  /** `current`: the task the running step acts as (messages name it `comm:pid`; its mm is current->mm). */
  current: Task;
}

export { PAGE_SIZE, PAGE_SHIFT };
