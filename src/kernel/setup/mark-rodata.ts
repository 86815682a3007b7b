/**
 * What x86-64 `mark_rodata_ro()` (arch/x86/mm/init_64.c) does to the direct
 * map's 1 GiB leaves at the end of boot.
 *
 * `set_memory_ro(_text, __end_rodata_hpage_align)` acts on the high kernel
 * map; `cpa_process_alias()` applies the same change to the direct-map alias
 * of those pfns. That range is a few tens of MiB, so a 1 GiB direct-map leaf
 * containing it is never covered whole: `should_split_large_page()` splits it
 * into 2 MiB leaves (`split_page_count(PG_LEVEL_1G)`, DirectMap1G -1 GiB,
 * DirectMap2M +1 GiB). (In the captures the image lies in 2 MiB-mapped
 * memory, so this never fires there; the amd64-4g bundle's 1 GiB split is
 * the boot-time BPF JIT's, setup/bpf-jit.ts.)
 *
 * Not modelled: the further 2 MiB splits caused by the read-only, NX and
 * freeing changes of the image's sections (`mark_rodata_ro()`,
 * `free_init_pages()`, `free_kernel_image_pages()`, `mem_encrypt_free_decrypted_mem()`),
 * because the model's CPA keeps no RW/NX bits and the section boundaries
 * are not all visible in /proc/iomem (docs/capture-differences.md).
 */

import type { MachineSpec } from '../machine.js';
import type { DirectMap } from '../mm/direct-map.js';

const GB_PFNS = 1 << 18;

/** `mark_rodata_ro()`'s 1 GiB split of the direct-map alias of the kernel image (x86-64 only). */
export function markRodataRoGbSplit(k: { is64: boolean; directMap: DirectMap; machine: MachineSpec }): void {
  if (!k.is64 || !k.directMap.gbPages) return;
  const img = k.machine.kernelImage;
  const first = Math.floor(img.start / 4096);
  const last = Math.max(first, Math.ceil(img.end / 4096) - 1);
  for (let gb = Math.floor(first / GB_PFNS); gb <= Math.floor(last / GB_PFNS); gb++) {
    const pfn = Math.max(gb * GB_PFNS, first);
    if (!k.directMap.map.contains(k.directMap.va(pfn)) || !k.directMap.map.isGb(pfn)) continue;
    k.directMap.map.split(pfn);
    k.directMap.splitPageCount('1g');
  }
}
