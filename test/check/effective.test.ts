/**
 * EffectiveTypes caches the MTRR type per 2 MiB block when every variable
 * range is 2 MiB aligned and sized: the cached answers equal the hardware
 * rule evaluated page by page, for any such MTRR layout and any page.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../fc.js';
import { EffectiveTypes } from '../../src/check/effective.js';
import { mtrrTypeAt, variableRange } from '../../src/hw/mtrr.js';
import type { MtrrType } from '../../src/hw/cache-mode.js';
import { loadMachine } from '../../src/io/machine/load-machine.js';

const TYPES = ['UC', 'WC', 'WT', 'WP', 'WB'] as const;

test('block-cached MTRR types equal the per-page hardware rule (2 MiB-granular and finer layouts)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2047 }), fc.integer({ min: 0, max: 8 }), fc.constantFrom(...TYPES), fc.boolean()), { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 256, max: (4 << 18) - 1 }), { minLength: 1, maxLength: 40 }),
      (ranges, pfns) => {
        // Size 2^k pages (k up to 8 + 9), base aligned to the size; `fine` ranges are 4 KiB-granular.
        const vars = ranges.map(([b, k, t, fine]) => {
          const size = 2 ** (fine ? k : k + 9) * 4096;
          return { base: '0x' + (Math.floor((b * 0x200000) / size) * size).toString(16), size: '0x' + size.toString(16), type: t };
        });
        const yaml = `preset: desktop-x86-64\nmtrr:\n  enabled: true\n  default: UC\n  variable:\n${vars.map((v) => `    - { base: ${v.base}, size: ${v.size}, type: ${v.type} }`).join('\n')}\n`;
        const m = loadMachine(yaml, 'm.yaml');
        const eff = new EffectiveTypes(m, 0x0407050600070106n);
        const hw = {
          enabled: true,
          fixedEnabled: m.mtrr!.fixedEnabled,
          defType: m.mtrr!.defType as MtrrType,
          fixed: m.mtrr!.fixed as MtrrType[],
          variable: m.mtrr!.variable.map((v) => variableRange(v.base, v.size, v.type as MtrrType, m.cpu.physAddrBits)),
          physAddrBits: m.cpu.physAddrBits,
        };
        for (const pfn of [...pfns, ...pfns.map((p) => p ^ 1)]) {
          const want = mtrrTypeAt(hw, pfn * 4096);
          assert.equal(eff.mtrrOf(pfn).type, want.type, `pfn ${pfn.toString(16)}`);
          assert.equal(eff.mtrrOf(pfn).undef, want.undefinedOverlap);
        }
      },
    ),
    { numRuns: 200, seed: 17 },
  );
});
