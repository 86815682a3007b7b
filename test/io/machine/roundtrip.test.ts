/**
 * Property: for any valid machine file, dumping the loaded machine and
 * loading it again gives the same MachineSpec (the dumper writes every
 * default out, the loader reads every form the dumper writes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../../fc.js';
import { stringify } from 'yaml';
import { dumpMachine } from '../../../src/io/machine/dump-machine.js';
import { loadMachine } from '../../../src/io/machine/load-machine.js';

const TYPES = ['UC', 'WC', 'WT', 'WP', 'WB'];
const MiB = 2 ** 20;

const arbFile = fc
  .record({
    arch: fc.constantFrom('x86-64', 'x86-32-pae', 'x86-32'),
    kernel: fc.constantFrom('mainline', '6.12', '6.6', '6.1'),
    // RAM as a list of disjoint usable ranges (in MiB) with reserved gaps.
    cuts: fc.uniqueArray(fc.integer({ min: 1, max: 3000 }), { minLength: 2, maxLength: 12 }),
    mtrr: fc.option(
      fc.record({
        enabled: fc.boolean(),
        fixed: fc.oneof(fc.constantFrom(...TYPES), fc.uniqueArray(fc.record({ cell: fc.integer({ min: 0, max: 87 }), type: fc.constantFrom(...TYPES) }), { maxLength: 6, selector: (f) => f.cell })),
        variable: fc.array(fc.record({ log2: fc.integer({ min: 12, max: 28 }), slot: fc.nat(7), type: fc.constantFrom(...TYPES) }), { maxLength: 6 }),
        def: fc.constantFrom(...TYPES),
      }),
      { nil: null },
    ),
    boot: fc.subarray(['nopat', 'debugpat', 'nogbpages', 'debug_pagealloc', 'mtrr=debug']),
    pat: fc.boolean(),
    hypervisor: fc.boolean(),
    cpus: fc.integer({ min: 1, max: 256 }),
    level: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.nat(),
    debugFs: fc.boolean(),
    bars: fc.array(fc.record({ mib: fc.integer({ min: 3072, max: 4000 }), pref: fc.option(fc.boolean(), { nil: undefined }) }), { maxLength: 4 }),
  })
  .map((a) => {
    const cuts = [...a.cuts].sort((x, y) => x - y);
    const e820 = [{ start: '0x0', end: '0x9f000', type: 'usable' }];
    for (let i = 0; i + 1 < cuts.length; i += 2) {
      e820.push({ start: `0x${(cuts[i]! * MiB).toString(16)}`, end: `0x${(cuts[i + 1]! * MiB).toString(16)}`, type: i % 4 === 0 ? 'usable' : 'reserved' });
    }
    const cellStart = (i: number): number => (i < 8 ? i * 0x10000 : i < 24 ? 0x80000 + (i - 8) * 0x4000 : 0xc0000 + (i - 24) * 0x1000);
    const doc: Record<string, unknown> = {
      arch: a.arch,
      kernel: a.kernel,
      cpu: { pat: a.pat, hypervisor: a.hypervisor, cpus: a.cpus, gbpages: a.arch === 'x86-64' },
      e820,
      // Keep the image in the first range (always usable).
      kernel_image: { start: '0x1000', end: '0x9f000' },
      boot: a.boot,
      config: { debug_fs: a.debugFs },
      fragmentation: { level: a.level, seed: a.seed },
      iomem: [...new Set(a.bars.map((b) => b.mib))].map((mib, i) => ({
        start: `0x${(mib * MiB).toString(16)}`,
        size: '1M',
        name: `bar${i}`,
        ...(a.bars[i]?.pref === undefined ? {} : { prefetchable: a.bars[i]!.pref }),
      })),
    };
    if (a.mtrr) {
      doc['mtrr'] = {
        enabled: a.mtrr.enabled,
        default: a.mtrr.def,
        fixed: typeof a.mtrr.fixed === 'string' ? a.mtrr.fixed : a.mtrr.fixed.map((f) => ({ at: `0x${cellStart(f.cell).toString(16)}`, type: f.type })),
        variable: a.mtrr.variable.map((v) => ({ base: `0x${(2 ** v.log2 * v.slot).toString(16)}`, size: `0x${(2 ** v.log2).toString(16)}`, type: v.type })),
      };
    }
    return stringify(doc);
  });

test('property: load(dump(load(file))) = load(file)', () => {
  fc.assert(
    fc.property(arbFile, (text) => {
      const m = loadMachine(text, 'gen.yaml');
      const again = loadMachine(dumpMachine(m), 'gen.yaml');
      assert.deepEqual(again, m);
    }),
    { seed: 7, numRuns: 200 },
  );
});
