/**
 * Built-in presets: each loads through the machine loader and round-trips
 * through the dumper; the two Debian QEMU presets match the captures they
 * were taken from (e820, MTRRs, iomem, CPU, zones).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MT } from '../../../src/hw/cache-mode.js';
import { fixedCellIndex } from '../../../src/hw/mtrr.js';
import { dumpMachine } from '../../../src/io/machine/dump-machine.js';
import { loadMachine, loadPreset } from '../../../src/io/machine/load-machine.js';
import { presetNames } from '../../../src/io/machine/presets.js';
import type { IomemResource, MachineSpec } from '../../../src/kernel/machine.js';
import { bootKernel } from '../../../src/kernel/kernel.js';
import { lowmemLines } from '../../../src/kernel/setup/zones.js';

/** The booted kernel's "Zone ranges:" lines (free_area_init). */
const zoneRangeLines = (m: Parameters<typeof bootKernel>[0]): string[] => bootKernel(m).zones.zoneRangesLines();
import { SHARED_DIR } from '../../shared-dir.js';

const CAPTURES = join(SHARED_DIR, 'captures');
const haveCaptures = existsSync(CAPTURES);

for (const name of presetNames()) {
  test(`preset ${name} loads and round-trips`, () => {
    const m = loadPreset(name);
    assert.equal(m.name, name);
    const again = loadMachine(dumpMachine(m), `${name}.yaml`);
    assert.deepEqual(again, m);
    // Extending a preset without overrides is the preset itself.
    assert.deepEqual(loadMachine(`preset: ${name}\n`, 'x.yaml'), m);
  });
}

test('required preset shapes', () => {
  const d = loadPreset('desktop-x86-64');
  assert.equal(d.cpu.gbpages, true);
  assert.equal(d.cpu.nCpus, 8);
  const usable = (m: MachineSpec): number => m.e820.filter((e) => e.type === 'usable').reduce((a, e) => a + e.end - e.start, 0);
  assert.ok(Math.abs(usable(d) - 16 * 2 ** 30) < 2 ** 30);
  const bars = (m: MachineSpec): IomemResource[] => m.iomem.flatMap((r) => [r, ...(r.children ?? [])]);
  assert.ok(bars(d).some((r) => r.prefetchable && r.end - r.start === 256 * 2 ** 20 && r.end <= 2 ** 32));
  assert.ok(bars(d).some((r) => r.prefetchable && r.end - r.start > 256 * 2 ** 20 && r.start >= 2 ** 32));
  const s = loadPreset('server-x86-64');
  assert.equal(s.cpu.nCpus, 64);
  assert.ok(Math.abs(usable(s) - 64 * 2 ** 30) < 2 ** 30);
  const p = loadPreset('x86-32-pae-4g');
  assert.equal(p.arch, 'x86-32-pae');
  assert.deepEqual([p.cpu.pse, p.cpu.gbpages, p.config.highmem], [true, false, true]);
  const l = loadPreset('lunar-lake-laptop');
  assert.deepEqual([l.cpu.family, l.cpu.model, l.cpu.selfSnoop, l.cpu.gbpages], [6, 0xbd, true, true]);
  assert.ok(Math.abs(usable(l) - 32 * 2 ** 30) < 2 ** 30);
  for (const n of ['debian-6.1-amd64-qemu', 'debian-6.1-686-pae-qemu']) assert.equal(loadPreset(n).kernel, '6.1');
});

function capture(folder: string, file: string): string {
  return readFileSync(join(CAPTURES, folder, file), 'utf8');
}

/** dmesg text without the `[    0.000000] ` timestamps. */
function dmesgLines(folder: string): string[] {
  return capture(folder, 'dmesg.txt')
    .split('\n')
    .map((l) => l.replace(/^\[\s*[0-9.]+\] /, ''));
}

const E820_NAME: Record<string, string> = { usable: 'usable', reserved: 'reserved', 'ACPI data': 'ACPI data', 'ACPI NVS': 'ACPI NVS' };

/** `BIOS-e820: [mem %#018Lx-%#018Lx] type` as e820__print_table prints it. */
function e820Lines(m: MachineSpec): string[] {
  const h = (v: number): string => '0x' + v.toString(16).padStart(16, '0');
  return m.e820.map((e) => `BIOS-e820: [mem ${h(e.start)}-${h(e.end - 1)}] ${E820_NAME[e.type] ?? e.type}`);
}

interface IomemLine {
  depth: number;
  start: number;
  end: number;
  name: string;
}

function parseIomem(text: string): IomemLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^( *)([0-9a-f]+)-([0-9a-f]+) : (.*)$/.exec(l)!;
      return { depth: m[1]!.length / 2, start: parseInt(m[2]!, 16), end: parseInt(m[3]!, 16) + 1, name: m[4]! };
    });
}

/** The capture's /proc/iomem without what the model derives (System RAM, e820 Reserved, kernel image). */
function nonRamTree(lines: IomemLine[]): string[] {
  const out: string[] = [];
  let skipDepth = Infinity;
  for (const l of lines) {
    if (l.depth <= skipDepth) skipDepth = Infinity;
    if (l.depth > skipDepth) continue;
    if (l.name === 'System RAM' || l.name === 'Reserved') {
      skipDepth = l.depth;
      continue;
    }
    out.push(`${'  '.repeat(l.depth)}${l.start.toString(16)}-${l.end.toString(16)} ${l.name}`);
  }
  return out;
}

function specTree(rs: readonly IomemResource[], depth = 0): string[] {
  return rs.flatMap((r) => [`${'  '.repeat(depth)}${r.start.toString(16)}-${r.end.toString(16)} ${r.name}`, ...specTree(r.children ?? [], depth + 1)]);
}

const QEMU_PRESETS: [string, string][] = [
  ['debian-6.1-amd64-qemu', 'amd64-1g-default'],
  ['debian-6.1-686-pae-qemu', 'i386pae-2g-cpumax'],
];

for (const [preset, folder] of QEMU_PRESETS) {
  test(`preset ${preset} matches captures/${folder}`, { skip: !haveCaptures && 'no ../shared/captures' }, () => {
    const m = loadPreset(preset);
    const dmesg = dmesgLines(folder);
    assert.deepEqual(e820Lines(m), dmesg.filter((l) => l.startsWith('BIOS-e820: ')));

    // /proc/mtrr: reg00: base=0x080000000 ( 2048MB), size= 2048MB, count=1: uncachable
    const regs = capture(folder, 'proc-mtrr.txt')
      .trim()
      .split('\n')
      .map((l) => /base=0x([0-9a-f]+) .*size=\s*(\d+)MB.*: (\S+)$/.exec(l)!)
      .map((r) => ({ base: parseInt(r[1]!, 16), size: Number(r[2]) * 2 ** 20, type: r[3] === 'uncachable' ? MT.UC : -1 }));
    assert.deepEqual(m.mtrr!.variable, regs);
    // pattest's MTRR probes: mtrr(0)=WB, mtrr(0xa0000)=UC.
    assert.equal(m.mtrr!.fixed[fixedCellIndex(0)!], MT.WB);
    assert.equal(m.mtrr!.fixed[fixedCellIndex(0xa0000)!], MT.UC);

    const iomem = parseIomem(capture(folder, 'proc-iomem.txt'));
    const sysRom = (l: IomemLine): boolean => l.name === 'System ROM';
    assert.deepEqual(specTree(m.iomem), nonRamTree(iomem.filter((l) => !sysRom(l))));
    const code = iomem.find((l) => l.name === 'Kernel code')!;
    const bss = iomem.find((l) => l.name === 'Kernel bss')!;
    assert.deepEqual(m.kernelImage, { start: code.start, end: bss.end });

    const cpuinfo = capture(folder, 'cpuinfo.txt');
    const field = (k: string): string => new RegExp(`^${k}\\s*: (.*)$`, 'm').exec(cpuinfo)![1]!;
    const flags = new Set(field('flags').split(' '));
    assert.equal(m.cpu.vendor, field('vendor_id'));
    assert.equal(m.cpu.family, Number(field('cpu family')));
    assert.equal(m.cpu.model, Number(field('model')));
    assert.equal(m.cpu.physAddrBits, Number(/(\d+) bits physical/.exec(field('address sizes'))![1]));
    assert.equal(m.cpu.clflushLineSize, Number(field('clflush size')));
    assert.deepEqual(
      [m.cpu.pat, m.cpu.pse, m.cpu.clflush, m.cpu.selfSnoop, m.cpu.mtrr, m.cpu.hypervisor],
      ['pat', 'pse', 'clflush', 'ss', 'mtrr', 'hypervisor'].map((f) => flags.has(f)),
    );
    assert.equal(m.cpu.gbpages, m.arch === 'x86-64' && flags.has('pdpe1gb'));
    assert.equal(m.cpu.nCpus, Number(/-smp (\d+)/.exec(capture(folder, 'qemu.txt'))![1]));
    assert.equal(m.arch === 'x86-64' ? 'x86_64' : 'i686', /(x86_64|i686)/.exec(capture(folder, 'uname.txt'))![1]);

    const z = dmesg.indexOf('Zone ranges:');
    assert.deepEqual(zoneRangeLines(m), dmesg.slice(z, z + zoneRangeLines(m).length));
    assert.deepEqual(lowmemLines(m), dmesg.filter((l) => /^\d+MB (HIGH|LOW)MEM available\.$/.test(l)));
  });
}

test('zone ranges of the 4 GiB capture (RAM above 4 GiB)', { skip: !haveCaptures && 'no ../shared/captures' }, () => {
  const m = loadMachine(
    `preset: debian-6.1-amd64-qemu
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
    'cpumax.yaml',
  );
  const dmesg = dmesgLines('amd64-4g-cpumax-smp2');
  assert.deepEqual(e820Lines(m), dmesg.filter((l) => l.startsWith('BIOS-e820: ')));
  const z = dmesg.indexOf('Zone ranges:');
  const lines = zoneRangeLines(m);
  assert.deepEqual(lines, dmesg.slice(z, z + lines.length));
});
