/**
 * Boot-time PAT/MTRR decisions (spec 02 §2, §2.5, §5.1; docs/kernel-versions.md
 * §6): the model's boot lines must equal the captured dmesg lines of every
 * capture folder, in order, and the version tables of the docs must hold.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from '../fc.js';
import { PAT_NORMAL, PAT_RESET, patConfigurationLine } from '../../src/hw/pat-msr.js';
import { loadMachine } from '../../src/io/machine/load-machine.js';
import type { MachineSpec } from '../../src/kernel/machine.js';
import { patBootInit } from '../../src/kernel/pat/pat-init.js';
import { SHARED_DIR } from '../shared-dir.js';

const CAPTURES = join(SHARED_DIR, 'captures');
const haveCaptures = existsSync(CAPTURES);

/** The machine each capture booted, as a machine file over the Debian presets. */
const CAPTURE_MACHINES: Record<string, string> = {
  'amd64-1g-default': 'preset: debian-6.1-amd64-qemu\n',
  'amd64-1g-debugpat-mtrrdebug': 'preset: debian-6.1-amd64-qemu\nboot: [debugpat, mtrr=debug]\n',
  'amd64-1g-nopat': 'preset: debian-6.1-amd64-qemu\nboot: [nopat]\n',
  // -cpu qemu64,-mtrr: no MTRRs, so SeaBIOS programs none either.
  'amd64-1g-nomtrr': 'preset: debian-6.1-amd64-qemu\nmtrr: null\n',
  'amd64-4g-cpumax-smp2': `preset: debian-6.1-amd64-qemu
cpu: { gbpages: true, self_snoop: true, cpus: 2 }
mtrr:
  variable: [{ base: 0xC0000000, size: 1G, type: UC }]
e820:
  - { start: 0x0, end: 0x9FC00, type: usable }
  - { start: 0x9FC00, end: 0xA0000, type: reserved }
  - { start: 0xF0000, end: 0x100000, type: reserved }
  - { start: 0x100000, end: 0xBFFE0000, type: usable }
  - { start: 0xBFFE0000, end: 0xC0000000, type: reserved }
  - { start: 0xFFFC0000, end: 0x100000000, type: reserved }
  - { start: 0x100000000, end: 0x140000000, type: usable }
  - { start: 0xFD00000000, end: 0x10000000000, type: reserved }
`,
  'i386pae-2g-cpumax': 'preset: debian-6.1-686-pae-qemu\n',
};

/**
 * The PAT/MTRR lines of the boot, before the memory zones are set up (the
 * later `x86/PAT:` lines are memtype reservations and the smp2 `mtrr:` lines
 * come from AP bring-up).
 */
function capturedBootLines(folder: string): string[] {
  const lines = readFileSync(join(CAPTURES, folder, 'dmesg.txt'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\[\s*[0-9.]+\] /, ''));
  const end = lines.indexOf('Zone ranges:');
  assert.ok(end > 0, `${folder}: no "Zone ranges:" line`);
  return lines.slice(0, end).filter((l) => l.startsWith('x86/PAT: ') || l === 'Disabled' || /^MTRR/.test(l) || l.startsWith('mtrr: '));
}

test('every capture folder has a machine', { skip: !haveCaptures && 'no ../shared/captures' }, () => {
  const folders = readdirSync(CAPTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  assert.deepEqual(folders, Object.keys(CAPTURE_MACHINES).sort());
});

for (const [folder, yaml] of Object.entries(CAPTURE_MACHINES)) {
  test(`PAT boot lines equal captures/${folder}/dmesg.txt`, { skip: !haveCaptures && 'no ../shared/captures' }, () => {
    const m = loadMachine(yaml, `${folder}.yaml`);
    assert.equal(m.kernel, '6.1');
    const r = patBootInit(m);
    const want = capturedBootLines(folder);
    assert.ok(want.some((l) => l.startsWith('x86/PAT: Configuration [0-7]: ')));
    assert.deepEqual(r.messages, want);
    // pat_memtype_list exists only when pat_enabled() (capture README).
    assert.equal(r.patEnabled, existsSync(join(CAPTURES, folder, 'pat_memtype_list.txt')));
    // The test module reports pat_enabled and the MSR it reads.
    const dmesg = readFileSync(join(CAPTURES, folder, 'dmesg.txt'), 'utf8');
    const pt = /pattest: pat_enabled=(\d) IA32_PAT=0x([0-9a-f]+)/.exec(dmesg);
    if (pt) {
      assert.equal(r.patEnabled, pt[1] === '1');
      assert.equal(r.msrInEffect, BigInt('0x' + pt[2]!));
    }
  });
}

const QEMU = 'preset: debian-6.1-amd64-qemu\n';
const load = (extra: string, base = QEMU): MachineSpec => loadMachine(base + extra, 't.yaml');
const CFG_RESET = patConfigurationLine(PAT_RESET);
const CFG_NORMAL = patConfigurationLine(PAT_NORMAL);

test('6.1 table (docs/kernel-versions.md §6)', () => {
  // PAT CPU, MTRRs enabled: pat_bp_init writes the Linux layout.
  let r = patBootInit(load(''));
  assert.deepEqual([r.patEnabled, r.msrInEffect, r.tablesFrom, r.writesMsr, r.layout], [true, PAT_NORMAL, PAT_NORMAL, true, 'normal']);
  // nopat: firmware value, not written.
  r = patBootInit(load('boot: [nopat]\n'));
  assert.deepEqual(r.messages, ['x86/PAT: PAT support disabled via boot option.', CFG_RESET]);
  assert.deepEqual([r.patEnabled, r.msrInEffect, r.writesMsr], [false, PAT_RESET, false]);
  // No MTRRs under a hypervisor: enabled with the firmware tables.
  r = patBootInit(load('mtrr: null\n'));
  assert.deepEqual(r.messages, ['Disabled', 'x86/PAT: MTRRs disabled, skipping PAT initialization too.', CFG_RESET]);
  assert.deepEqual([r.patEnabled, r.tablesFrom, r.writesMsr], [true, PAT_RESET, false]);
  // Same on bare metal: disabled.
  r = patBootInit(load('mtrr: null\ncpu: { hypervisor: false }\n'));
  assert.equal(r.patEnabled, false);
  // MTRRs present but disabled by the BIOS: same path.
  r = patBootInit(load('mtrr: { enabled: false }\n'));
  assert.deepEqual(r.messages, ['Disabled', 'x86/PAT: MTRRs disabled, skipping PAT initialization too.', CFG_RESET]);
  // No PAT CPU, MTRRs on.
  r = patBootInit(load('cpu: { pat: false }\n'));
  assert.deepEqual(r.messages, ['x86/PAT: PAT not supported by the CPU.', CFG_RESET]);
  assert.deepEqual([r.patEnabled, r.msrInEffect, r.layout], [false, null, 'emulated']);
  // No PAT CPU, MTRRs off: the first reason wins.
  r = patBootInit(load('cpu: { pat: false }\nmtrr: null\n'));
  assert.deepEqual(r.messages, ['Disabled', 'x86/PAT: MTRRs disabled, skipping PAT initialization too.', CFG_RESET]);
  // PAT MSR 0, MTRRs on.
  r = patBootInit(load('firmware_pat: "0x0"\n'));
  assert.deepEqual(r.messages, ['x86/PAT: PAT support disabled by the firmware.', CFG_RESET]);
  assert.deepEqual([r.patEnabled, r.msrInEffect, r.tablesFrom], [false, 0n, PAT_RESET]);
  // CONFIG_X86_PAT=n: the once-message from pat_init, the firmware layout.
  r = patBootInit(load('config: { x86_pat: false }\n'));
  assert.deepEqual(r.messages, ['x86/PAT: PAT support disabled because CONFIG_X86_PAT is disabled in the kernel.', CFG_RESET]);
  assert.equal(r.patEnabled, false);
  // Intel family 6 before model 15 (Pentium M, model 0x0D): early_init_intel() clears
  // X86_FEATURE_PAT, so the CPU looks PAT-less; the hardware keeps the firmware's MSR.
  r = patBootInit(load('cpu: { vendor: GenuineIntel, family: 6, model: 0x0D }\n'));
  assert.deepEqual(r.messages, ['x86/PAT: PAT not supported by the CPU.', CFG_RESET]);
  assert.deepEqual([r.patEnabled, r.msrInEffect, r.layout], [false, PAT_RESET, 'emulated']);
  // Core 2 (model 15) keeps PAT and gets the full layout.
  r = patBootInit(load('cpu: { vendor: GenuineIntel, family: 6, model: 15 }\n'));
  assert.deepEqual(r.messages, [CFG_NORMAL]);
  // The errata layout (lower four entries) is left to Pentium 4 (family 0xF, model <= 6).
  r = patBootInit(load('cpu: { vendor: GenuineIntel, family: 15, model: 2 }\n'));
  assert.deepEqual(r.messages, ['x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WC  UC- UC  ']);
  // Not Intel: no clearing.
  r = patBootInit(load('cpu: { vendor: AuthenticAMD, family: 6, model: 6 }\n'));
  assert.deepEqual(r.messages, [CFG_NORMAL]);
});

test('mainline: early_init_intel() clears PAT on Intel family 6 before model 15 too', () => {
  const m = 'preset: debian-6.1-amd64-qemu\nkernel: mainline\n';
  let r = patBootInit(load('cpu: { vendor: GenuineIntel, family: 6, model: 7 }\n', m));
  assert.deepEqual(r.messages.filter((l) => l.startsWith('x86/PAT')), ['x86/PAT: PAT not supported by the CPU.', CFG_RESET]);
  assert.equal(r.patEnabled, false);
  r = patBootInit(load('cpu: { vendor: GenuineIntel, family: 15, model: 6 }\n', m));
  assert.equal(r.layout, 'errata');
});

const MAINLINE = QEMU + 'kernel: mainline\n';

test('mainline: MTRR map line, then PAT; MTRR state never disables PAT', () => {
  let r = patBootInit(load('', MAINLINE));
  assert.deepEqual(r.messages, ['MTRR map: 4 entries (3 fixed + 1 variable; max 19), built from 8 variable MTRRs', CFG_NORMAL]);
  r = patBootInit(load('mtrr: null\n', MAINLINE));
  assert.deepEqual(r.messages, ['MTRRs disabled (not available)', CFG_NORMAL]);
  assert.equal(r.patEnabled, true);
  r = patBootInit(load('mtrr: { enabled: false }\n', MAINLINE));
  assert.deepEqual(r.messages, ['MTRRs disabled by BIOS', CFG_NORMAL]);
  r = patBootInit(load('boot: [nopat]\nmtrr: null\n', MAINLINE));
  assert.deepEqual(r.messages, ['x86/PAT: PAT support disabled via boot option.', 'MTRRs disabled (not available)', CFG_RESET]);
  assert.equal(r.patEnabled, false);
  r = patBootInit(load('cpu: { pat: false }\n', MAINLINE));
  assert.deepEqual(r.messages.slice(1), ['x86/PAT: PAT not supported by the CPU.', CFG_RESET]);
});

test('mainline mtrr=debug prints the state and the map (spec 02 §5.1, §5.2)', () => {
  const r = patBootInit(load('boot: [mtrr=debug]\n', MAINLINE));
  assert.deepEqual(r.messages, [
    'MTRR default type: write-back',
    'MTRR fixed ranges enabled:',
    '  00000-9FFFF write-back',
    '  A0000-BFFFF uncachable',
    '  C0000-FFFFF write-protect',
    'MTRR variable ranges enabled:',
    '  0 base 0000080000000 mask 000FF80000000 uncachable',
    '  1 disabled',
    '  2 disabled',
    '  3 disabled',
    '  4 disabled',
    '  5 disabled',
    '  6 disabled',
    '  7 disabled',
    'MTRR map: 4 entries (3 fixed + 1 variable; max 19), built from 8 variable MTRRs',
    '  0: 0000000000000000-000000000009ffff write-back',
    '  1: 00000000000a0000-00000000000bffff uncachable',
    '  2: 00000000000c0000-00000000000fffff write-protect',
    '  3: 0000000080000000-00000000ffffffff uncachable',
    CFG_NORMAL,
  ]);
});

/** Machines over every input of the decision. */
const arbMachine = fc.record({
  kernel: fc.constantFrom('mainline', '6.12', '6.6', '6.1'),
  nopat: fc.boolean(),
  pat: fc.boolean(),
  mtrr: fc.constantFrom('on', 'off', 'absent'),
  hypervisor: fc.boolean(),
  fw: fc.constantFrom('0x0', '0x0007040600070406', '0x0407050600070106'),
  x86Pat: fc.boolean(),
});

test('property: one Configuration line, last, matching the tables; at most one disable reason', () => {
  fc.assert(
    fc.property(arbMachine, (a) => {
      const yaml =
        QEMU +
        `kernel: "${a.kernel}"\nboot: [${a.nopat ? 'nopat' : ''}]\nfirmware_pat: "${a.fw}"\n` +
        `cpu: { pat: ${a.pat}, hypervisor: ${a.hypervisor} }\nconfig: { x86_pat: ${a.x86Pat} }\n` +
        (a.mtrr === 'absent' ? 'mtrr: null\n' : `mtrr: { enabled: ${a.mtrr === 'on'} }\n`);
      const r = patBootInit(loadMachine(yaml, 'p.yaml'));
      const cfg = r.messages.filter((l) => l.startsWith('x86/PAT: Configuration'));
      assert.deepEqual(cfg, [patConfigurationLine(r.tablesFrom)]);
      assert.equal(r.messages.at(-1), cfg[0]);
      const reasons = r.messages.filter((l) => l.startsWith('x86/PAT: ') && !l.startsWith('x86/PAT: Configuration') && !l.includes('CONFIG_X86_PAT'));
      assert.ok(reasons.length <= 1, JSON.stringify(r.messages));
      if (r.patEnabled) assert.ok(!a.nopat && a.x86Pat && a.pat && a.fw !== '0x0');
      if (r.writesMsr) assert.equal(r.msrInEffect, r.tablesFrom);
      if (!a.pat) assert.equal(r.msrInEffect, null);
      if (a.kernel !== '6.1') {
        // Decoupled: MTRRs play no part.
        assert.equal(r.patEnabled, !a.nopat && a.x86Pat && a.pat && a.fw !== '0x0');
      }
    }),
    { seed: 1, numRuns: 300 },
  );
});
