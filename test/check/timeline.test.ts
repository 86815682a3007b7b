/**
 * check/timeline.ts, the linear-map histories: pfns written in one step from
 * the same history to different bits each keep their own history (the
 * recorder shares a history between pfns only when they went the same way),
 * and a pfn keeps one segment per step that changed it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CM } from '../../src/hw/cache-mode.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from '../fc.js';
import { TimelineRecorder, type Timeline } from '../../src/check/timeline.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';
import { NotModelledError } from '../../src/run/input-error.js';
import { filesUnder, REPO_ROOT } from '../shared-dir.js';
import { PRESET_YAML } from '../../src/io/machine/presets.js';
import { loadMachine } from '../../src/io/machine/load-machine.js';
import { bootKernel } from '../../src/kernel/kernel.js';
import { _setMemoryUc, _setMemoryWb, _setMemoryWc } from '../../src/kernel/mm/set-memory.js';

test('linear-map histories: two pfns written in one step to different types, one of them again later, keep their own histories', () => {
  const k = bootKernel(loadMachine(PRESET_YAML['small-x86-64']!, 'small.yaml'));
  const rec = new TimelineRecorder();
  const va = (pfn: number): number => k.directMap.map.vaOf(pfn);
  // Three RAM pages, apart, all WB at boot; the third goes the first one's way.
  const [a, b, c] = [0x2000, 0x2100, 0x2200];
  rec.observe(k, 0);
  assert.equal(_setMemoryUc(k, va(a), 1), 0);
  assert.equal(_setMemoryWc(k, va(b), 1), 0);
  assert.equal(_setMemoryUc(k, va(c), 1), 0);
  rec.observe(k, 1);
  assert.equal(_setMemoryWb(k, va(a), 1), 0);
  rec.observe(k, 2);
  const tl = rec.finish();
  const modes = (pfn: number): string[] => {
    const l = tl.lives.find((x) => x.kind === 'direct' && pfn >= x.pfn && pfn < x.pfn + x.npages);
    assert.ok(l, `a direct-map life covers pfn 0x${pfn.toString(16)}`);
    return l.segments.map((s) => `${s.from}:${Object.entries(CM).find(([, v]) => v === k.tables.pgprot2cachemode(s.bits4k))![0]}`);
  };
  assert.deepEqual(modes(a), ['0:WB', '1:UC_MINUS', '2:WB']);
  assert.deepEqual(modes(b), ['0:WB', '1:WC']);
  assert.deepEqual(modes(c), ['0:WB', '1:UC_MINUS']);
});

// ---- the recorder reads only the sources a step wrote ----

const PROTS = ['WB', 'WC', 'UC-', 'UC'] as const;

/** A scenario from a list of choices: VMAs remapped page by page and cut by munmap (which splits them), ioremaps, vmaps and kmap_local of four RAM pages and a highmem page. */
function mappingScenario(ops: readonly [number, number, number][]): string {
  const lines = ['name: gen', 'machine: x86-32-pae-4g', 'steps:', '  - alloc_pages: { gfp: GFP_KERNEL, order: 2 }', '    as: p', '  - alloc_pages: { gfp: GFP_HIGHUSER }', '    as: hi', '  - mmap: { size: 16K }', '    as: m'];
  const maps: string[] = ['m'];
  const ios: string[] = [];
  const kmaps: string[] = [];
  ops.forEach(([op, a, b], n) => {
    const prot = PROTS[b % 4]!;
    // remap_pfn_range goes into a VMA's first three pages, munmap cuts its last (a split): no call lands where munmap left no VMA.
    const at = (m: string): string => `${m}+0x${((a % 3) * 0x1000).toString(16)}`;
    const m = maps[a % Math.max(maps.length, 1)];
    switch (op % 8) {
      case 0:
        lines.push('  - mmap: { size: 16K }', `    as: m${n}`);
        maps.push(`m${n}`);
        break;
      case 1:
        if (m) lines.push(`  - remap_pfn_range: { addr: ${at(m)}, pfn: p.${b % 4}, size: 4K, prot: ${prot} }`);
        break;
      case 2:
        if (m) lines.push(`  - munmap: { addr: ${m}+0x3000, size: 4K }`);
        break;
      case 3:
        lines.push(`  - ioremap${prot === 'WC' ? '_wc' : prot === 'UC' ? '_uc' : ''}: { phys: 0x${(0xfebf0000 + (a % 4) * 0x1000).toString(16)}, size: 0x1000 }`, `    as: io${n}`);
        ios.push(`io${n}`);
        break;
      case 4:
        if (ios.length) lines.push(`  - iounmap: { addr: ${ios.splice(a % ios.length, 1)[0]} }`);
        break;
      case 5:
        lines.push(`  - set_pages_array_${prot === 'WB' ? 'wb' : prot === 'WC' ? 'wc' : 'uc'}: { pages: p }`);
        break;
      case 6:
        lines.push(`  - vmap: { pages: ${a % 2 ? 'hi' : 'p'}, prot: ${prot} }`, `    as: v${n}`);
        break;
      default:
        if (a % 2 && kmaps.length) lines.push(`  - kunmap_local: { addr: ${kmaps.pop()} }`);
        else {
          lines.push(`  - kmap_local_page_prot: { page: hi, prot: ${prot} }`, `    as: k${n}`);
          kmaps.push(`k${n}`);
        }
    }
  });
  return lines.join('\n') + '\n';
}

/** The timeline a recorder that reads only what each step wrote makes, and the one reading every source at every step makes, each over its own run (a kernel's linear maps tell one recorder of their writes). */
function bothTimelines(text: string, design: string): [Timeline, Timeline, number] | null {
  const record = (rec: TimelineRecorder): Timeline => {
    runScenario(loadScenarioFile(text, 'gen.yaml'), KERNEL_DRIVER, { hooks: selectPolicies(design)[0]!.hooks, onStep: (k, step, pure) => rec.observe(k, step, pure) });
    return rec.finish();
  };
  let tl: Timeline;
  try {
    tl = record(new TimelineRecorder());
  } catch (e) {
    // A user-mapping call where munmap left no VMA: patlab does not model it (and says so); nothing to compare.
    if (e instanceof NotModelledError) return null;
    throw e;
  }
  return [tl, record(new TimelineRecorder(true)), tl.lives.filter((l) => l.kind === 'user' || l.kind === 'ioremap').length];
}

test('property: reading only the mappings a step wrote gives the timeline that reading every mapping at every step gives', () => {
  let userLives = 0;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(7), fc.nat(11), fc.nat(3)), { minLength: 1, maxLength: 16 }), fc.constantFrom('baseline', 'insert-honours-prot'), (ops, design) => {
      const both = bothTimelines(mappingScenario(ops), design);
      fc.pre(both !== null);
      const [tl, ref, n] = both;
      assert.deepEqual(tl, ref);
      userLives += n;
    }),
    { seed: 1207, numRuns: 150 },
  );
  assert.ok(userLives >= 150, `only ${userLives} user and ioremap lives in the generated runs: the property would test little`);
});

test('reading only the mappings a step wrote gives every repository scenario the timeline reading all of them gives', () => {
  for (const f of filesUnder(join(REPO_ROOT, 'scenarios'), '.yaml').filter((x) => !x.endsWith('index.yaml') && !x.includes('/suite/scattered'))) {
    const text = readFileSync(f, 'utf8');
    const [tl, ref] = bothTimelines(text.replace(/^name: .*$/m, 'name: gen'), 'baseline')!;
    assert.deepEqual(tl, ref, f);
  }
});
