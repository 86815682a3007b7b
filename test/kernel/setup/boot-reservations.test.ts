/**
 * Boot-time firmware mappings (src/kernel/setup/boot-reservations.ts): the
 * x86-64 MMCONFIG ioremap (pci_mmcfg_arch_init -> mcfg_ioremap) is a UC-
 * reservation of the buses' part of the ECAM window; x86-32 has none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootKernel } from '../../../src/kernel/kernel.js';
import { patMemtypeList } from '../../../src/kernel/pat/memtype-list.js';
import { bootMappings } from '../../../src/kernel/setup/boot-reservations.js';
import { loadMachine } from '../../../src/io/machine/load-machine.js';

const Q35 = (preset: string, buses = 'start_bus: 0, end_bus: 255'): string =>
  `preset: ${preset}
firmware:
  mmconfig:
    - { ${buses}, base: 0xB0000000 }
`;

test('x86-64: each MMCONFIG region in use is ioremapped UC- at boot (bus 0 .. end bus, 1 MiB a bus)', () => {
  const m = loadMachine(Q35('debian-6.1-amd64-qemu'), 'q35.yaml');
  const maps = bootMappings(m).filter((b) => b.by.startsWith('mcfg_ioremap'));
  assert.deepEqual(maps.map((b) => [b.start, b.end]), [[0xb0000000, 0xc0000000]]);
  const list = patMemtypeList(bootKernel(m).memtype, Number.POSITIVE_INFINITY)!;
  assert.ok(list.includes('PAT: [mem 0x00000000b0000000-0x00000000c0000000] uncached-minus'), list.join('\n'));
  // Only the buses in use are mapped, from base + (start_bus << 20).
  const part = loadMachine(Q35('debian-6.1-amd64-qemu', 'start_bus: 0x10, end_bus: 0x1f'), 'q35.yaml');
  assert.deepEqual(bootMappings(part).filter((b) => b.by.startsWith('mcfg_ioremap')).map((b) => [b.start, b.end]), [[0xb1000000, 0xb2000000]]);
});

test('x86-32 maps config space through a fixmap per access: no reservation', () => {
  const m = loadMachine(Q35('debian-6.1-686-pae-qemu'), 'q35.yaml');
  assert.equal(bootMappings(m).filter((b) => b.by.startsWith('mcfg_ioremap')).length, 0);
});

test('firmware.mmconfig: end_bus below start_bus is refused at its line', () => {
  assert.throws(() => loadMachine(Q35('debian-6.1-amd64-qemu', 'start_bus: 9, end_bus: 3'), 'q35.yaml'), /q35\.yaml:4:\d+: firmware\.mmconfig: end_bus 3 is below start_bus 9/);
});
