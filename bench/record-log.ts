/**
 * A synthetic call log in the lines 6.1-amd64's tracefs printed for `patlab probe --record`
 * (docs/record.md §4: the ttm.ko and ioremap rows), for the `record` bench. One round is a
 * desktop GPU's buffer object lifecycle on one task, with another task's ioremap_wc/iounmap
 * pair interleaved (another CPU) while the first task's call is still open:
 *
 *     ttm_pool_alloc { set_pages_array_wc(k pages) { memtype_reserve x k } }
 *       ioremap_wc { memtype_reserve }                      (task B, inside A's open call)
 *     ttm_bo_vm_fault_reserved { vmf_insert_pfn_prot x k }  (on one of a few VMAs)
 *     ttm_pool_free { set_pages_wb { set_memory_wb { memtype_free } } }
 *       iounmap { memtype_free }                            (task B)
 *
 * k is 1, 2, 4, 8 or 16 contiguous pages (TTM's page orders); 2k + 11 calls a round. Pages,
 * VMAs and ioremap addresses are reused from bounded pools, as a long-running desktop reuses
 * them, so the importer's handle bookkeeping stays bounded too. Deterministic (a fixed seed).
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** mulberry32: a small fast seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const h = (n: number): string => n.toString(16);
/** vmemmap_base + pfn * sizeof(struct page): 0xffffea0000000000 + pfn * 64 (KASLR off). */
const pagePtr = (pfn: number): string => `0xffffea${h(pfn * 64).padStart(10, '0')}`;
/** page_offset_base + pfn * 4096. */
const linear = (pfn: number): string => `0xffff888${h(pfn * 4096).padStart(9, '0')}`;
const vmalloc = (off: number): string => `0xffffc9${h(off).padStart(10, '0')}`;

/** First pfn of the pages the BOs take (256 MiB up), and how many: 512 MiB of a 1 GiB machine's RAM. */
const PFN_BASE = 0x10000;
const PFN_SPAN = 0x20000;
const VMA_SLOTS = 64;
const IO_SLOTS = 1024;

/**
 * Write a log of at least `calls` calls (a whole round more at most) to `path`; returns how
 * many calls it holds. Buffered: one write per ~4 MiB of text.
 */
export function writeSyntheticCallLog(path: string, calls: number, seed = 1): number {
  const rnd = prng(seed);
  const fd = openSync(path, 'w');
  let buf = '';
  let us = 16_000_000;
  const line = (task: string, cpu: string, ev: string): void => {
    us += 1 + ((rnd() * 40) | 0);
    const s = Math.floor(us / 1e6);
    buf += `${task}[${cpu}] .....${String(s).padStart(6)}.${String(us % 1e6).padStart(6, '0')}: ${ev}\n`;
    if (buf.length > 1 << 22) {
      writeSync(fd, buf);
      buf = '';
    }
  };
  // tracefs prints `%16s-%-7d ` with `<...>` when its comm cache misses (the recorder's comm= field has the name).
  const A = `${'<...>'.padStart(16)}-${'1211'.padEnd(7)} `;
  const B = `${'gnome-shell'.padStart(16)}-${'1834'.padEnd(7)} `;
  const ca = ' comm="Xorg"';
  const cb = ' comm="gnome-shell"';
  let n = 0;
  let pfnNext = 0;
  let io = 0;
  for (let round = 0; n < calls; round++) {
    const k = 1 << ((rnd() * 5) | 0);
    // The next k pages aligned to k (a buddy block of that order), wrapping round the span.
    pfnNext = Math.ceil(pfnNext / k) * k;
    if (pfnNext + k > PFN_SPAN) pfnNext = 0;
    const pfn = PFN_BASE + pfnNext;
    pfnNext += k;
    const tt = `0xffff8881${h(0x2daf000 + (round % 4096) * 0x100).padStart(8, '0')}`;
    line(A, '000', `ttm_pool_alloc: (ttm_pool_alloc+0x0/0x670 [ttm]) pool=0xffffffffc02a0df8 tt=${tt} ctx=0xffffc900005eba30${ca}`);
    let pages = '';
    for (let i = 0; i < 16; i++) pages += ` pages_${i}=${i < k ? pagePtr(pfn + i) : '0x0'}`;
    line(A, '000', `set_pages_array_wc: (set_pages_array_wc+0x0/0x10) pages=0xffff888102dafa80${pages} addrinarray=0x${h(k)}${ca} vmemmap_base=0xffffea0000000000`);
    const slot = io % IO_SLOTS;
    io++;
    const bar = 0xfd000000 + slot * 0x1000;
    const va = vmalloc(0x400000 + slot * 0x2000);
    for (let i = 0; i < k; i++) {
      const s = (pfn + i) * 4096;
      line(A, '000', `memtype_reserve: (memtype_reserve+0x0/0x2c0) start=0x${h(s)} end=0x${h(s + 4096)} req_type=0x1 new_type=0x0${ca}`);
      line(A, '000', `memtype_reserve__ret: (_set_pages_array+0x55/0x110 <- memtype_reserve) ret=0x0`);
      if (i === 0) {
        line(B, '002', `ioremap_wc: (ioremap_wc+0x0/0x20) offset=0x${h(bar)} size=0x1000${cb}`);
        line(B, '002', `memtype_reserve: (memtype_reserve+0x0/0x2c0) start=0x${h(bar)} end=0x${h(bar + 0x1000)} req_type=0x1 new_type=0xffffc9000037ba64${cb}`);
        line(B, '002', `memtype_reserve__ret: (__ioremap_caller+0xf0/0x360 <- memtype_reserve) ret=0x0`);
        line(B, '002', `ioremap_wc__ret: (amdgpu_bo_kmap+0x5c/0xa0 [amdgpu] <- ioremap_wc) ret=${va}`);
      }
    }
    line(A, '000', `set_pages_array_wc__ret: (ttm_pool_alloc+0x40e/0x670 [ttm] <- set_pages_array_wc) ret=0x0`);
    line(A, '000', `ttm_pool_alloc__ret: (ttm_tt_populate+0x108/0x140 [ttm] <- ttm_pool_alloc) ret=0x0`);
    const vmaStart = 0x7f848e000000 + (round % VMA_SLOTS) * 0x100000;
    const vma = ` vma=0xffff888100b7${h(0xa000 + (round % VMA_SLOTS) * 0xc8)} vma_start=0x${h(vmaStart)} vma_end=0x${h(vmaStart + k * 4096)} vma_flags=0xc0444fb`;
    line(A, '000', `ttm_bo_vm_fault_reserved: (ttm_bo_vm_fault_reserved+0x0/0x340 [ttm]) vmf=0xffffc900005eb978 prot=0x8000000000000027 num_prefault=0x10${ca}`);
    for (let i = 0; i < k; i++) {
      line(A, '000', `vmf_insert_pfn_prot: (vmf_insert_pfn_prot+0x0/0x1a0)${vma} addr=0x${h(vmaStart + i * 4096)} pfn=0x${h(pfn + i)} pgprot=0x800000000000002f${ca}`);
      line(A, '000', `vmf_insert_pfn_prot__ret: (ttm_bo_vm_fault_reserved+0x199/0x340 [ttm] <- vmf_insert_pfn_prot) ret=0x100`);
    }
    line(A, '000', `ttm_bo_vm_fault_reserved__ret: (ttm_bo_vm_fault+0x4b/0xd0 [ttm] <- ttm_bo_vm_fault_reserved) ret=0x100`);
    line(A, '000', `ttm_pool_free: (ttm_pool_free+0x0/0x40 [ttm]) pool=0xffffffffc02a0df8 tt=${tt}${ca}`);
    line(A, '000', `set_pages_wb: (set_pages_wb+0x0/0x20) page=${pagePtr(pfn)} numpages=0x${h(k)}${ca} vmemmap_base=0xffffea0000000000`);
    line(A, '000', `set_memory_wb: (set_memory_wb+0x0/0xb0) addr=${linear(pfn)} numpages=0x${h(k)}${ca} page_offset_base=0xffff888000000000`);
    line(B, '002', `iounmap: (iounmap+0x0/0xb0) addr=${va}${cb}`);
    line(A, '000', `memtype_free: (memtype_free+0x0/0xf0) start=0x${h(pfn * 4096)} end=0x${h((pfn + k) * 4096)}${ca}`);
    line(B, '002', `memtype_free: (memtype_free+0x0/0xf0) start=0x${h(bar)} end=0x${h(bar + 0x1000)}${cb}`);
    line(A, '000', `memtype_free__ret: (set_memory_wb+0x73/0xb0 <- memtype_free) ret=0x0`);
    line(B, '002', `memtype_free__ret: (iounmap+0x77/0xb0 <- memtype_free) ret=0x0`);
    line(A, '000', `set_memory_wb__ret: ([unknown/kretprobe'd] <- set_memory_wb) ret=0x0`);
    line(B, '002', `iounmap__ret: ([unknown/kretprobe'd] <- iounmap)`);
    line(A, '000', `set_pages_wb__ret: (ttm_pool_free_page+0x27/0x80 [ttm] <- set_pages_wb) ret=0x0`);
    line(A, '000', `ttm_pool_free__ret: (ttm_tt_unpopulate.part.0+0x65/0x70 [ttm] <- ttm_pool_free)`);
    n += 2 * k + 11;
  }
  writeSync(fd, buf);
  closeSync(fd);
  return n;
}

/** record-info.txt for the synthetic log: every function of the log traced. */
export const SYNTHETIC_RECORD_INFO = `arch x86-64\nrelease 6.1.0-57-amd64\n${[
  'ioremap_wc', 'iounmap', 'memtype_reserve', 'memtype_free', 'set_memory_wb', 'set_pages_wb', 'set_pages_array_wc',
  'vmf_insert_pfn_prot', 'ttm_pool_alloc', 'ttm_pool_free', 'ttm_bo_vm_fault_reserved',
].map((f) => `traced ${f}`).join('\n')}\noverrun 0\n`;
