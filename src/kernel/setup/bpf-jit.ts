/**
 * The one BPF program every x86-64 kernel JIT-compiles during boot, and what
 * it does to the direct map (net/core/ptp_classifier.c `ptp_classifier_init()`,
 * called from `sock_init()`; kernel/bpf/core.c `bpf_prog_pack_alloc()`,
 * `alloc_new_pack()`).
 *
 * `ptp_classifier_init()` builds a classic BPF filter with `bpf_prog_create()`.
 * With the JIT on (x86-64 selects ARCH_WANT_DEFAULT_BPF_JIT, so
 * `bpf_jit_enable` starts at 1) the x86-64 JIT (v5.18+) places the code in a
 * "prog pack": `alloc_new_pack()` gets BPF_PROG_PACK_SIZE (PMD_SIZE, one
 * node) from `module_alloc()` — 512 order-0 pages in the module area — and
 * calls `set_memory_ro()` then `set_memory_x()` on it (`set_memory_rox()`
 * from v6.2). Clearing RW is checked for aliases, so `cpa_process_alias()`
 * makes each page's direct-map alias read-only too, one page at a time: the
 * direct-map leaf holding the pages is split, a 1 GiB leaf into 2 MiB leaves
 * and the 2 MiB leaf into 4 KiB. That is the amd64-4g capture's
 * `DirectMap1G` of 3 GiB where the boot-time walk counted 4
 * (docs/capture-differences.md). `set_memory_x()` only clears NX, which is
 * never checked for aliases, and the model keeps no NX bit: nothing to do.
 *
 * x86-32 JITs only when `bpf_jit_enable` is set (not the default): one page
 * from `bpf_jit_binary_alloc()` (module_alloc, highmem first) made read-only
 * by `bpf_jit_binary_lock_ro()`.
 *
 * Where the pages are (measured with lookup_address() on Debian 6.1 and 6.12
 * under qemu, docs/capture-differences.md): the bulk order-0 allocation takes
 * the smallest free blocks first, and at boot those are what
 * `pcpu_embed_first_chunk()` gave back of CPU 0's unit, at the top of memory
 * below the memmap (memblock allocates top-down). About half the pack lies
 * there and the rest in the lowest free memory, so on a machine with more than
 * about 1 GiB above 4 GiB the pack's aliases are in two GB leaves and both
 * split (DirectMap1G one lower than a single block would give).
 *
 * Model choices: an order-8 block at the start of the 2 MiB block 6 MiB below
 * the memmap (measured 4–6 MiB below on the sweep's boots: NODE_DATA and the
 * vmemmap's page tables are allocated above it), and the upper order-8 block of
 * the 2 MiB block after the lowest free one (measured at 4 GiB + 3 MiB); one
 * block of order 9 when the first is not free memory.
 */

import { PG_BUDDY } from '../mm/page.js';
import { splitPage, type Gfp } from '../mm/page-alloc.js';
import { changePageAttrSetClr } from '../mm/cpa.js';
import { PAGE_KERNEL_BITS, PAGE_RW } from '../mm/linear-map.js';
import type { MmContext } from '../mm/mm-context.js';
import type { Vmalloc } from '../mm/vmalloc.js';

/** BPF_PROG_PACK_SIZE / PAGE_SIZE on x86-64 (PMD_SIZE * one node). */
const PACK_PAGES = 512;

/**
 * `ptp_classifier_init()`'s JIT: allocate the code pages, map them in the
 * module area, `set_memory_ro()` them (spec 03 §2.6 aliases). Returns the
 * pfns used (empty when the JIT is off or memory ran out).
 */
export function ptpClassifierJit(k: MmContext & { modules: Vmalloc; machine: { config: { bpfJitDefaultOn: boolean } } }): number[] {
  if (!k.machine.config.bpfJitDefaultOn) return [];
  const n = k.is64 ? PACK_PAGES : 1;
  // module_alloc() is vmalloc: GFP_KERNEL, plus __GFP_HIGHMEM on x86-32.
  const gfp: Gfp = k.is64 ? 'GFP_KERNEL' : 'GFP_HIGHUSER';
  const pfns: number[] = [];
  // vmalloc uses order-0 pages: each block becomes pages of one reference each.
  const take = (first: number, order: number): void => {
    splitPage(k.pages, first, order);
    for (let i = 0; i < 2 ** order; i++) pfns.push(first + i);
  };
  const pcpu = k.is64 ? pcpuFreedBlock(k) : null;
  if (pcpu !== null) {
    take(pcpu, 8);
    const rest = lowBlock(k, gfp) ?? k.allocator.allocPages(gfp, 8);
    if (rest < 0) return [];
    take(rest, 8);
  } else {
    const first = k.allocator.allocPages(gfp, Math.log2(n));
    if (first < 0) return [];
    take(first, Math.log2(n));
  }
  const va = k.modules.vmap(pfns, PAGE_KERNEL_BITS, 'module_alloc');
  if (va === null) return [];
  changePageAttrSetClr(k, { caller: 'set_memory_ro', vaddr: va, numpages: n, maskSet: 0, maskClr: PAGE_RW });
  return pfns;
}

/**
 * The low half: the upper order-8 block of the 2 MiB block after the lowest free one of the first
 * zone GFP_KERNEL uses (measured at 4 GiB + 3 MiB on the sweep's boots; the lowest pages stay free
 * for later allocations, as the real kernel's module-time allocations showed), or null.
 */
function lowBlock(k: MmContext, gfp: Gfp): number | null {
  for (const zone of k.allocator.zonelist(gfp)) {
    const z = k.zones.ranges.find((r) => r.zone === zone);
    if (!z) continue;
    const free2M = (b: number): boolean => {
      for (let q = b; q < b + 512; q++) if (!(k.pages.flags.get(q) & PG_BUDDY)) return false;
      return true;
    };
    for (let b = Math.ceil(z.start / 512) * 512; b + 1024 <= z.end; b += 512) if (free2M(b)) return k.allocator.tryAllocPagesAt(gfp, 8, b + 512 + 256);
  }
  return null;
}

/** x86-64 SECTION_SIZE_BITS 27: 128 MiB sections; the vmemmap holds 64 bytes per page of each present one. */
const SECTION_PFNS = 32768;
const MEMMAP_PFNS_PER_SECTION = (SECTION_PFNS * 64) / 4096;

/**
 * The order-8 block of what `pcpu_embed_first_chunk()` freed of CPU 0's unit
 * (model choice above), allocated from the page allocator, or null when that
 * is not free memory (then the pack is one order-9 block).
 */
function pcpuFreedBlock(k: MmContext): number | null {
  const ram = k.e820.filter((e) => e.type === 'usable').map((e) => ({ s: Math.ceil(e.start / 4096), e: Math.floor(e.end / 4096) }));
  if (ram.length === 0) return null;
  const sections = new Set<number>();
  for (const r of ram) for (let x = Math.floor(r.s / SECTION_PFNS); x * SECTION_PFNS < r.e; x++) sections.add(x);
  const top = Math.max(...ram.map((r) => r.e));
  const block = Math.floor((top - sections.size * MEMMAP_PFNS_PER_SECTION) / 512) * 512 - 3 * 512;
  if (block < 0 || !ram.some((r) => r.s <= block && block + 256 <= r.e)) return null;
  return k.allocator.tryAllocPagesAt('GFP_KERNEL', 8, block);
}