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
 * Model choices: the pack's pages are one naturally aligned 2 MiB block from
 * the page allocator (the kernel's bulk order-0 allocation on a fresh system
 * takes neighbouring pages; which 2 MiB it is cannot be known).
 */

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
  const order = Math.log2(n);
  const first = k.allocator.allocPages(gfp, order);
  if (first < 0) return [];
  // vmalloc uses order-0 pages: the block becomes n pages of one reference each.
  splitPage(k.pages, first, order);
  const pfns = Array.from({ length: n }, (_, i) => first + i);
  const va = k.modules.vmap(pfns, PAGE_KERNEL_BITS, 'module_alloc');
  if (va === null) return [];
  changePageAttrSetClr(k, { caller: 'set_memory_ro', vaddr: va, numpages: n, maskSet: 0, maskClr: PAGE_RW });
  return pfns;
}
