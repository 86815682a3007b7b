/**
 * TTM at scale (issue "TTM and KVM"): one WC buffer object of 10^6 pages
 * (≈ 4 GiB) on the 64 GiB `server-x86-64` preset — create, populate (fresh
 * pages + set_pages_array_wc), free into the WC pool, populate a second BO
 * from the WC pool, fault every page through a user mapping (16-page
 * prefault), free. Prints each phase's time and the peak RSS. Targets:
 * < 3 s, RSS < 1 GiB. Not a test: it asserts only that the run did what it
 * says.
 */
import { performance } from 'node:perf_hooks';
import { loadPreset } from '../src/io/machine/load-machine.js';
import { ttmBoCreate, ttmTtPopulate, ttmTtUnpopulate } from '../src/kernel/drivers/ttm/bo.js';
import { TTM_CACHING } from '../src/kernel/drivers/ttm/caching.js';
import { ttmDeviceInit } from '../src/kernel/drivers/ttm/device.js';
import { ttmBoVmFault } from '../src/kernel/drivers/ttm/fault.js';
import { ttmBoMmap, ttmBoPut, ttmBoUnmapVirtual } from '../src/kernel/drivers/ttm/mmap.js';
import { ttmGlobalOf } from '../src/kernel/drivers/ttm/ttm-global.js';
import { bootKernel } from '../src/kernel/kernel.js';
import { exitMmap } from '../src/kernel/vm/lifecycle.js';
import { currentMm } from '../src/kernel/vm/mm.js';

const N = 1_000_000;

export function benchTtm(): void {
  const phases: [string, number][] = [];
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    phases.push([name, (now - t) / 1000]);
    t = now;
  };
  const k = bootKernel(loadPreset('server-x86-64'));
  lap('boot');
  const t0 = performance.now();
  const dev = ttmDeviceInit(k);
  const warm = ttmBoCreate(k, dev, N, { caching: TTM_CACHING.write_combined });
  if (ttmTtPopulate(k, warm).ret) throw new Error('populate (fresh) failed');
  lap('create+populate fresh (set_pages_array_wc)');
  ttmBoPut(k, warm);
  const g = ttmGlobalOf(k)!;
  if (g.allocatedPages !== N) throw new Error(`WC pool holds ${g.allocatedPages} pages, expected ${N}`);
  lap('free into the WC pool');
  const bo = ttmBoCreate(k, dev, N, { caching: TTM_CACHING.write_combined });
  const r = ttmTtPopulate(k, bo);
  if (r.ret || r.stats!.fromPool !== N) throw new Error('populate from the WC pool failed');
  lap('create+populate from the WC pool');
  const m = ttmBoMmap(k, bo);
  const vma = m.vma!;
  let faults = 0;
  for (let a = vma.start; a < vma.end; ) {
    const f = ttmBoVmFault(k, a);
    faults++;
    a += Math.max(f.inserted, 1) * 4096;
  }
  lap(`fault every page (${faults} faults)`);
  ttmBoUnmapVirtual(k, bo);
  exitMmap(k, currentMm(k));
  ttmTtUnpopulate(k, bo);
  ttmBoPut(k, bo);
  lap('unmap + free');
  const total = (performance.now() - t0) / 1000;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  for (const [name, s] of phases) console.log(`  ttm ${name.padEnd(44)} ${s.toFixed(3)} s`);
  console.log(`ttm: BO of ${N} pages on server-x86-64: ${total.toFixed(3)} s (target < 3 s, boot excluded), peak RSS ${rssMiB.toFixed(0)} MiB (target < 1024), events ${k.log.events.length}`);
}

if (import.meta.url === `file://${process.argv[1]}`) benchTtm();
