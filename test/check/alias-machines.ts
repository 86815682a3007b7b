/**
 * What the alias walks' property tests (aliases-extents, aliases-incremental) draw from: the
 * machines whose MTRR type changes inside a 2 MiB block or at its edges, and where on them lives
 * start and with which cache bits.
 */
import { EffectiveTypes } from '../../src/check/effective.js';
import { PRESET_YAML } from '../../src/io/machine/presets.js';
import { loadMachine } from '../../src/io/machine/load-machine.js';
import { bootKernel } from '../../src/kernel/kernel.js';

/** small-x86-64 as shipped (2 MiB-aligned variable ranges: one MTRR lookup per block), and with a 4 KiB UC range inside a block (per page). */
export const MACHINES = [
  PRESET_YAML['small-x86-64']!,
  PRESET_YAML['small-x86-64']!.replace('    - { base: 0x80000000, size: 2G, type: UC }', '    - { base: 0x80000000, size: 2G, type: UC }\n    - { base: 0x101000, size: 4K, type: UC }'),
].map((y, i) => {
  const k = bootKernel(loadMachine(y, `m${i}.yaml`));
  return new EffectiveTypes(k.machine, k.patMsr);
});

/** Where lives start: the fixed ranges, the 1 MiB edge, a 2 MiB block edge, the 4 KiB range, the 2 GiB UC edge. */
export const BASES = [0x90, 0xfa, 0x1f0, 0x100, 0x7ff00];
/** 4 KiB-layout cache bits, and -1 (no PTE of its own). */
export const BITS = [0, 0x8, 0x10, 0x18, 0x80, 0x90, -1];
