/**
 * Scale figures (issue 14): inputs a user may plausibly write whose kernel cost is in proportion
 * to ranges, not pages. An e820 table of 2 000 and 20 000 entries (machine text → booted kernel,
 * and growth t(20 000)/t(2 000)); `mmap` of 4 TiB then `munmap` of 4 KiB; `ttm_bo_create` of
 * 4 TiB and of 512 GiB (nothing populated); a BO of 2^52 bytes and `ioremap_wt` of 2^52 bytes (the
 * kernel's refusals). Targets: e820 20 000 < 1 s with growth <= 12; the others < 50 ms and < 50 MB
 * above boot. Prints, asserts nothing.
 */
import { performance } from 'node:perf_hooks';
import { loadMachine, parseYaml } from '../src/io/machine/load-machine.js';
import { bootKernel } from '../src/kernel/kernel.js';
import { PRESET_YAML } from '../src/io/machine/presets.js';
import { loadPreset } from '../src/io/machine/load-machine.js';
import { ioremapWt } from '../src/kernel/mm/ioremap.js';
import { doMmap } from '../src/kernel/vm/mmap.js';
import { doMunmap } from '../src/kernel/vm/lifecycle.js';
import { currentMm } from '../src/kernel/vm/mm.js';
import { ttmBoTryCreate } from '../src/kernel/drivers/ttm/bo.js';
import { TTM_CACHING } from '../src/kernel/drivers/ttm/caching.js';
import { ttmDeviceInit } from '../src/kernel/drivers/ttm/device.js';
import { ttmBoMmap } from '../src/kernel/drivers/ttm/mmap.js';

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** small-x86-64 with `n` e820 entries: its own four, then alternating usable/reserved 2 MiB entries above 4 GiB. */
export function e820Machine(n: number, overlapAtEnd = false): string {
  const base = PRESET_YAML['small-x86-64']!;
  const head = base.slice(0, base.indexOf('e820:\n'));
  const tail = base.slice(base.indexOf('iomem:'));
  const own = base.slice(base.indexOf('e820:\n'), base.indexOf('iomem:')).trimEnd().split('\n');
  const lines = [...own];
  let a = 2 ** 32;
  for (let i = 0; lines.length - 1 < n; i++, a += 0x200000) {
    lines.push(`  - { start: 0x${a.toString(16)}, end: 0x${(a + 0x200000).toString(16)}, type: ${i % 2 ? 'reserved' : 'usable'} }`);
  }
  // A last entry that overlaps the first added one: the loader refuses the table after reading all of it.
  if (overlapAtEnd) lines.push(`  - { start: 0x${(2 ** 32 + 0x1000).toString(16)}, end: 0x${(2 ** 32 + 0x2000).toString(16)}, type: usable }`);
  return `${head.replace('name: small-x86-64', `name: e820-${n}`)}${lines.join('\n')}\n${tail}`;
}

function benchE820(): void {
  const times: number[] = [];
  for (const n of [2000, 20000]) {
    const text = e820Machine(n);
    gc();
    const t0 = performance.now();
    parseYaml(text, 'e820.yaml');
    const t1 = performance.now();
    const m = loadMachine(text, 'e820.yaml');
    const t2 = performance.now();
    const k = bootKernel(m);
    const t3 = performance.now();
    times.push((t3 - t1) / 1000);
    console.log(
      `scale: e820 of ${n} entries: ${((t3 - t1) / 1000).toFixed(3)} s (load ${((t2 - t1) / 1000).toFixed(3)} s, boot ${((t3 - t2) / 1000).toFixed(3)} s; yaml's own parser alone would take ${((t1 - t0) / 1000).toFixed(3)} s, the machine loader's fast reader reads it; DirectMap ${k.meminfoDirectMap().join(', ')})`,
    );
  }
  console.log(`scale:   growth t(20 000)/t(2 000) = ${(times[1]! / times[0]!).toFixed(2)} (target <= 12; 20 000 target < 1 s)`);
  const bad = e820Machine(20000, true);
  gc();
  const t0 = performance.now();
  let said = 'accepted';
  try {
    loadMachine(bad, 'e820.yaml');
  } catch (e) {
    said = (e as Error).message;
  }
  console.log(`scale: e820 of 20 001 entries, the last overlapping: refused in ${((performance.now() - t0) / 1000).toFixed(3)} s: ${said}`);
}

/** Bytes in use (V8 heap + array buffers): what a call leaves behind is its growth. */
function inUse(): number {
  // Twice: the first collection after a boot also releases what boot's typed arrays left to finalise.
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** One call on a booted desktop-x86-64: its time, what it returned, and the memory it grew by (target < 50 ms, < 50 MB). */
function measure(label: string, f: (k: ReturnType<typeof bootKernel>) => string): void {
  const k = bootKernel(loadPreset('desktop-x86-64'));
  k.log.step = 1;
  const m0 = inUse();
  const t0 = performance.now();
  const what = f(k);
  const t = performance.now() - t0;
  const grown = (inUse() - m0) / 2 ** 20;
  console.log(`scale: ${label.padEnd(44)} ${t.toFixed(2).padStart(8)} ms, ${grown.toFixed(1).padStart(6)} MB above boot: ${what}`);
}

/** The printk lines of the running step (boot's are step 0). */
function printed(k: ReturnType<typeof bootKernel>): string {
  const lines = k.log.events.flatMap((e) => (e.kind === 'printk' && e.step > 0 ? [e.text] : []));
  return lines.length ? lines.join('; ') : 'nothing printed';
}

function benchHuge(): void {
  const T = 2 ** 40;
  measure('mmap 4 TiB + munmap 4 KiB in its middle', (k) => {
    const mm = currentMm(k);
    const r = doMmap(k, mm, { len: 4 * T });
    const u = doMunmap(k, mm, r.vma!.start + 2 * T, 4096);
    return `mmap ${r.ret}, munmap ${u}, ${mm.vmas.length} VMAs`;
  });
  const bo = (k: ReturnType<typeof bootKernel>, bytes: number, busOffset?: number): string => {
    const dev = ttmDeviceInit(k);
    const b = ttmBoTryCreate(k, dev, bytes / 4096, { caching: TTM_CACHING.write_combined, ...(busOffset === undefined ? {} : { placement: 'vram' as const, busOffset }) });
    if (typeof b === 'number') return `${b} (${printed(k)})`;
    const m = ttmBoMmap(k, b);
    return `BO of ${b.numPages} pages, mmap ${m.ret}${m.vma ? ` (${m.vma.ptes.runCount} PTE runs)` : ''}`;
  };
  measure('ttm_bo_create 4 TiB (tt)', (k) => bo(k, 4 * T));
  measure('ttm_bo_create 256 GiB (tt) + mmap', (k) => bo(k, T / 4));
  measure('ttm_bo_create 2^52 bytes (tt)', (k) => bo(k, 2 ** 52));
  measure('ttm_bo_create 2^52 bytes (VRAM) + mmap', (k) => bo(k, 2 ** 52, 2 ** 40));
  measure('ioremap_wt 2^52 bytes at 1 TiB', (k) => {
    const r = ioremapWt(k, 2 ** 40, 2 ** 52);
    return `${r.vaddr === null ? 'NULL' : 'mapped'} (${printed(k)})`;
  });
}

export function benchScale(): void {
  benchE820();
  benchHuge();
}

if (import.meta.url === `file://${process.argv[1]}`) benchScale();
