/**
 * Memory-management figures (called from bench/run.ts): boot of a 64 GiB
 * x86-64 machine, and `set_pages_array_wc` then `set_pages_array_wb` on 10^6
 * pages scattered over memory (fragmentation level 1), and ioremap_prot of 1 and 4 TiB. Targets: boot < 1 s,
 * round trip < 2 s, model state <= 12 bytes per page. Prints, asserts nothing.
 */
import { performance } from 'node:perf_hooks';
import { bootKernel, type Kernel } from '../src/kernel/kernel.js';
import { setPagesArrayWb, setPagesArrayWc } from '../src/kernel/mm/set-memory.js';
import { amd64_64g } from '../test/kernel/mm/machines.js';
import { CM } from '../src/hw/cache-mode.js';
import { ioremapProtCall } from '../src/kernel/mm/ioremap.js';
import { loadPreset } from '../src/io/machine/load-machine.js';

const desktop = () => loadPreset('desktop-x86-64');

/** Bytes of per-page state held (page flags/refcount/mapcount, memtype byte, direct-map tables; a shared chunk once), per pfn. */
function stateBytesPerPage(k: Kernel): number {
  const dm = k.directMap.map;
  const bytes =
    k.pages.flags.heldBytes() +
    k.pages.refcount.heldBytes() +
    k.pages.mapcount.heldBytes() +
    k.memtype.pages.types.heldBytes() +
    dm.pte.heldBytes() +
    dm.blockLevel.byteLength +
    dm.blockBits.byteLength +
    dm.gbBits.byteLength;
  return bytes / k.pages.nPfns;
}

export function benchMm(): void {
  const machine = amd64_64g({ fragmentation: { level: 1, seed: 2025 } });
  let t = performance.now();
  const k = bootKernel(machine);
  const boot = (performance.now() - t) / 1000;
  console.log(`mm: boot 64 GiB x86-64 (${k.pages.nPfns} pfns): ${boot.toFixed(3)} s (target < 1 s)`);
  console.log(`mm:   ${k.meminfoDirectMap().join(' | ')}`);

  const n = 1_000_000;
  t = performance.now();
  const pages = k.allocator.allocMany('GFP_KERNEL', n);
  const alloc = (performance.now() - t) / 1000;
  console.log(`mm: alloc_page(GFP_KERNEL) x ${n} scattered: ${alloc.toFixed(3)} s`);

  t = performance.now();
  const wc = setPagesArrayWc(k, pages);
  const t1 = performance.now();
  const wb = setPagesArrayWb(k, pages);
  const t2 = performance.now();
  const rt = (t2 - t) / 1000;
  const c = k.counters;
  console.log(
    `mm: set_pages_array_wc + set_pages_array_wb on ${n} pages: ${rt.toFixed(3)} s (wc ${((t1 - t) / 1000).toFixed(3)} s ret ${wc}, wb ${((t2 - t1) / 1000).toFixed(3)} s ret ${wb}; target < 2 s)`,
  );
  console.log(`mm:   splits 2M ${c.split2M} 1G ${c.split1G}, global flushes ${c.tlbFlushAll}, clflushed pages ${c.clflushPages}`);
  console.log(`mm:   ${k.meminfoDirectMap().join(' | ')}`);
  console.log(`mm: peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; model state ${stateBytesPerPage(k).toFixed(2)} bytes/page (target <= 12)`);
  benchIoremap();
}

/** ioremap_prot of a 1 TiB and a 4 TiB range above RAM (a CXL window, a big BAR): range-shaped, so the growth stays near 1. */
function benchIoremap(): void {
  const k = bootKernel(desktop());
  const times: number[] = [];
  for (const tib of [1, 4]) {
    const t = performance.now();
    const r = ioremapProtCall(k, 0x100000000000, tib * 2 ** 40, CM.WC);
    times.push((performance.now() - t) / 1000);
    console.log(`mm: ioremap_prot ${tib} TiB WC: ${times.at(-1)!.toFixed(3)} s (${r.vaddr === null ? 'NULL' : `${k.vmalloc.liveAreas().at(-1)!.segs.length} segment(s)`})`);
  }
  console.log(`mm:   growth t(4 TiB)/t(1 TiB) = ${(times[1]! / times[0]!).toFixed(2)}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

if (import.meta.url === `file://${process.argv[1]}`) benchMm();
