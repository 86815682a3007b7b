/**
 * Machine-file errors: each class gives FILE:LINE:COL at the offending key
 * or value, and says what was expected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../../src/run/input-error.js';
import { loadMachine, loadMachineNode, parseYaml } from '../../../src/io/machine/load-machine.js';

const BASE = `name: t
arch: x86-64
e820:
  - { start: 0x0, end: 0x9f000, type: usable }
  - { start: 0x100000, size: 1G, type: usable }
`;

interface Case {
  name: string;
  text: string;
  line: number;
  col: number;
  msg: RegExp;
}

const cases: Case[] = [
  { name: 'YAML syntax', text: 'name: [unclosed\n', line: 2, col: 1, msg: /^YAML syntax error: / },
  { name: 'duplicate key', text: BASE + 'name: u\n', line: 6, col: 1, msg: /YAML syntax error: Map keys must be unique/ },
  { name: 'not a map', text: '- 1\n', line: 1, col: 1, msg: /\(top level\): expected a map, got a list/ },
  { name: 'missing required key', text: 'name: t\narch: x86-64\n', line: 1, col: 1, msg: /missing key 'e820' in \(top level\)/ },
  { name: 'unknown top-level key', text: BASE + 'kernal: mainline\n', line: 6, col: 1, msg: /unknown key 'kernal' in \(top level\) \(did you mean 'kernel'\?\)/ },
  { name: 'unknown nested key', text: BASE + 'cpu:\n  vendor: GenuineIntel\n  famly: 6\n', line: 8, col: 3, msg: /unknown key 'famly' in cpu \(did you mean 'family'\?\)/ },
  { name: 'unknown key without a near miss', text: BASE + 'config:\n  zzzzzz: true\n', line: 7, col: 3, msg: /unknown key 'zzzzzz' in config: expected one of x86_pat, highmem/ },
  { name: 'enum with did-you-mean', text: BASE.replace('arch: x86-64', 'arch: x86_64'), line: 2, col: 7, msg: /arch: expected one of x86-64, x86-32-pae, x86-32, got 'x86_64' \(did you mean 'x86-64'\?\)/ },
  { name: 'wrong type', text: BASE + 'cpu:\n  pat: yes\n', line: 7, col: 8, msg: /cpu\.pat: expected a boolean, got 'yes'/ },
  { name: 'wrong type for a number', text: BASE + 'cpu:\n  cpus: [1]\n', line: 7, col: 9, msg: /cpu\.cpus: expected a non-negative integer, hex like "0x100000" or a size like "4G", got a list/ },
  { name: 'bad number', text: BASE + '  - { start: 0x1zz000, size: 4K, type: reserved }\n', line: 6, col: 14, msg: /e820\[2\]\.start: bad number '0x1zz000': expected a non-negative integer, hex/ },
  { name: 'bad size suffix', text: BASE + '  - { start: 0x50000000, size: 4X, type: reserved }\n', line: 6, col: 32, msg: /e820\[2\]\.size: bad number '4X'/ },
  { name: 'decimal above 2^53', text: BASE + '  - { start: 0x50000000, size: 9007199254740993, type: reserved }\n', line: 6, col: 32, msg: /number '9007199254740993' is above 2\^53-1/ },
  { name: 'number above 2^53', text: BASE + '  - { start: 0x50000000, size: 0x20000000000000, type: reserved }\n', line: 6, col: 32, msg: /above 2\^53-1/ },
  { name: 'end and size', text: BASE + '  - { start: 0x50000000, end: 0x60000000, size: 1M, type: reserved }\n', line: 6, col: 5, msg: /e820\[2\]: expected exactly one of 'end' \(exclusive\) or 'size'/ },
  { name: 'bad e820 type', text: BASE + '  - { start: 0x50000000, size: 1M, type: acpi }\n', line: 6, col: 42, msg: /e820\[2\]\.type: expected one of usable, reserved, ACPI data/ },
  { name: 'empty range', text: BASE + '  - { start: 0x50000000, end: 0x50000000, type: reserved }\n', line: 6, col: 31, msg: /empty range \[0x50000000, 0x50000000\): expected start < end/ },
  {
    name: 'overlapping e820',
    text: BASE + '  - { start: 0x3ff00000, end: 0x50000000, type: reserved }\n',
    line: 6,
    col: 14,
    msg: /e820\[2\] \[0x3ff00000, 0x50000000\) overlaps e820\[1\] \[0x100000, 0x40100000\): expected disjoint entries/,
  },
  {
    name: 'MTRR size not a power of two',
    text: BASE + 'mtrr:\n  variable:\n    - { base: 0x0, size: 0x3000, type: WB }\n',
    line: 8,
    col: 26,
    msg: /mtrr\.variable\[0\]: size 0x3000 is not a power of two >= 4 KiB/,
  },
  {
    name: 'MTRR base unaligned',
    text: BASE + 'mtrr:\n  variable:\n    - { base: 0x1000, size: 0x2000, type: WB }\n',
    line: 8,
    col: 15,
    msg: /mtrr\.variable\[0\]: base 0x1000 is not aligned to its size 0x2000/,
  },
  {
    name: 'MTRR bad type',
    text: BASE + 'mtrr:\n  default: writeback\n',
    line: 7,
    col: 12,
    msg: /mtrr\.default: expected one of UC, WC, WT, WP, WB, got 'writeback'/,
  },
  {
    name: 'more variable MTRRs than VCNT',
    text: BASE + 'mtrr:\n  vcnt: 1\n  variable:\n    - { base: 0x0, size: 1G, type: WB }\n    - { base: 0x40000000, size: 1G, type: WB }\n',
    line: 10,
    col: 7,
    msg: /2 ranges but the CPU has only 1 variable MTRRs/,
  },
  {
    name: 'fixed override off a cell boundary',
    text: BASE + 'mtrr:\n  fixed:\n    - { at: 0xC0800, size: 0x1000, type: WP }\n',
    line: 8,
    col: 13,
    msg: /at 0xc0800 is not on a fixed-range cell boundary/,
  },
  {
    name: 'two fixed entries for one cell (not "the last wins")',
    text: BASE + 'mtrr:\n  fixed:\n    - { at: 0x0, size: 0xA0000, type: WB }\n    - { at: 0x80000, size: 0x40000, type: UC }\n',
    line: 9,
    col: 13,
    msg: /mtrr\.fixed\[1\]: the fixed-range cell \[0x80000, 0x84000\) is already given by mtrr\.fixed\[0\]/,
  },
  {
    name: 'TOM2 on Intel',
    text: BASE + 'mtrr:\n  tom2: 0x200000000\n',
    line: 7,
    col: 9,
    msg: /TOP_MEM2 is an AMD register, but cpu\.vendor is 'GenuineIntel'/,
  },
  { name: 'PAT slot 0 not WB', text: BASE + 'firmware_pat: "0x0007040600070400"\n', line: 6, col: 15, msg: /PA0 of 0x0007040600070400 is not WB: Linux BUGs .*update_cache_mode_entry/ },
  { name: 'PAT reserved encoding', text: BASE + 'firmware_pat: "0x0007040600070206"\n', line: 6, col: 15, msg: /PA1 = 0x2 is reserved \(WRMSR would #GP\)/ },
  { name: 'PAT not hex', text: BASE + 'firmware_pat: "WB WC"\n', line: 6, col: 15, msg: /firmware_pat: expected a 64-bit hex value/ },
  {
    name: 'x86-32 address above 4 GiB',
    text: BASE.replace('arch: x86-64', 'arch: x86-32') + '  - { start: 0xF0000000, size: 512M, type: reserved }\n',
    line: 6,
    col: 32,
    msg: /e820\[2\]: range ends at 0x110000000, above 0x100000000 \(a non-PAE x86-32 kernel reaches 4 GiB\)/,
  },
  {
    name: 'PAE address above 64 GiB',
    text: BASE.replace('arch: x86-64', 'arch: x86-32-pae') + 'iomem:\n  - { start: 0x1000000000, size: 1G, name: bar }\n',
    line: 7,
    col: 34,
    msg: /iomem\[0\]: range ends at 0x1040000000, above 0x1000000000 \(a PAE kernel reaches 64 GiB\)/,
  },
  { name: 'max_low_pfn on x86-64', text: BASE + 'max_low_pfn: 0x36ffe\n', line: 6, col: 1, msg: /max_low_pfn: x86-64 has no lowmem limit/ },
  {
    name: 'max_low_pfn above MAXMEM',
    text: BASE.replace('arch: x86-64', 'arch: x86-32-pae') + 'max_low_pfn: 0x38000\n',
    line: 6,
    col: 14,
    msg: /lowmem end 0x38000000 is above MAXMEM 0x36ffe000/,
  },
  { name: 'gbpages on 32-bit', text: BASE.replace('arch: x86-64', 'arch: x86-32-pae') + 'cpu:\n  gbpages: true\n', line: 7, col: 12, msg: /cpu\.gbpages: 1 GiB pages are x86-64 only/ },
  { name: 'cpu.mtrr without registers', text: BASE + 'cpu:\n  mtrr: true\n', line: 7, col: 9, msg: /the CPU has MTRRs but the file has no 'mtrr:' block/ },
  { name: 'highmem on x86-64', text: BASE + 'config:\n  highmem: true\n', line: 7, col: 12, msg: /CONFIG_HIGHMEM exists only on x86-32/ },
  { name: 'unknown boot option', text: BASE + 'boot: [nopat, debugpta]\n', line: 6, col: 15, msg: /boot\[1\]: expected one of nopat, .*got 'debugpta' \(did you mean 'debugpat'\?\)/ },
  { name: 'kernel 6.10 is not 6.1', text: BASE + 'kernel: 6.10\n', line: 6, col: 9, msg: /kernel: expected one of mainline, 6\.12, 6\.6, 6\.1, got '6\.10'/ },
  { name: 'fragmentation level out of range', text: BASE + 'fragmentation: { level: 2 }\n', line: 6, col: 25, msg: /fragmentation\.level: expected a number <= 1, got 2/ },
  { name: 'unknown preset', text: 'preset: desktop-x86_64\n', line: 1, col: 9, msg: /unknown preset 'desktop-x86_64' \(did you mean 'desktop-x86-64'\?\)/ },
  { name: 'preset override breaks a rule', text: 'preset: desktop-x86-64\narch: x86-32-pae\n', line: 1, col: 9, msg: /cpu\.gbpages: 1 GiB pages are x86-64 only/ },
  { name: 'kernel image outside RAM', text: BASE + 'kernel_image: { start: 0x9f000, size: 4K }\n', line: 6, col: 1, msg: /kernel_image is not inside one usable e820 range/ },
  { name: 'iomem child outside parent', text: BASE + 'iomem:\n  - { start: 0xE0000000, size: 1M, name: bus, children: [{ start: 0xF0000000, size: 4K, name: bar }] }\n', line: 7, col: 67, msg: /iomem\[0\]\.children\[0\] \[0xf0000000, 0xf0001000\) is not inside its parent 'bus'/ },
];

for (const c of cases) {
  test(`machine error: ${c.name}`, () => {
    assert.throws(
      () => loadMachine(c.text, 'm.yaml'),
      (e: unknown) => {
        assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
        assert.match(e.detail, c.msg);
        assert.equal(`${e.line}:${e.col}`, `${c.line}:${c.col}`, e.message);
        assert.equal(e.message, `m.yaml:${c.line}:${c.col}: ${e.detail}`);
        if (process.env['SHOW_MESSAGES']) console.log(e.message);
        return true;
      },
    );
  });
}

test('a machine embedded in another document reports positions in that document', () => {
  const text = `steps: []\nmachine:\n  preset: debian-6.1-amd64-qemu\n  boot: [nopat]\n  cpu: { cpus: 0 }\n`;
  const src = parseYaml(text, 'scenario.yaml');
  const node = (src.doc.contents as { get(k: string, keep: true): unknown }).get('machine', true);
  assert.throws(
    () => loadMachineNode(node, src),
    (e: unknown) => e instanceof InputError && e.message === 'scenario.yaml:5:16: cpu.cpus: 0 is not in 1..8192 (NR_CPUS)',
  );
  const ok = parseYaml(text.replace('cpus: 0', 'cpus: 4'), 'scenario.yaml');
  const m = loadMachineNode((ok.doc.contents as { get(k: string, keep: true): unknown }).get('machine', true), ok);
  assert.equal(m.cpu.nCpus, 4);
  assert.equal(m.boot.nopat, true);
  assert.equal(m.kernel, '6.1');
});

test('a scalar machine node names a preset', () => {
  const src = parseYaml('machine: server-x86-64\n', 's.yaml');
  const node = (src.doc.contents as { get(k: string, keep: true): unknown }).get('machine', true);
  assert.equal(loadMachineNode(node, src).cpu.nCpus, 64);
  const bad = parseYaml('machine: servr-x86-64\n', 's.yaml');
  assert.throws(
    () => loadMachineNode((bad.doc.contents as { get(k: string, keep: true): unknown }).get('machine', true), bad),
    /s\.yaml:1:10: unknown preset 'servr-x86-64' \(did you mean 'server-x86-64'\?\)/,
  );
});

test('defaults for an almost empty file', () => {
  const m = loadMachine(BASE, 'dir/my-box.yaml');
  assert.equal(m.name, 't');
  assert.equal(loadMachine(BASE.replace('name: t\n', ''), 'dir/my-box.yaml').name, 'my-box');
  assert.equal(m.kernel, 'mainline');
  assert.equal(m.firmwarePat, 0x0007040600070406n);
  assert.equal(m.mtrr, null);
  assert.equal(m.cpu.mtrr, false);
  assert.deepEqual(m.fragmentation, { level: 0, seed: 1 });
  assert.deepEqual(m.kernelImage, { start: 0x1000000, end: 0x4400000 });
  assert.equal(m.maxLowPfn, undefined);
  assert.equal(m.config.x86Pat, true);
  assert.equal(m.config.highmem, false);
  const k = loadMachine(BASE + 'kernel: 6.1\n', 'm.yaml');
  assert.equal(k.kernel, '6.1');
});

test('the scenario parser\'s YamlSource places errors of an embedded machine', async () => {
  const { YamlSource } = await import('../../../src/io/yaml/source.js');
  const src = new YamlSource('sc.yaml', 'machine:\n  preset: x86-32-pae-4g\n  cpu: { gbpages: true }\n');
  const node = (src.doc.contents as { get(k: string, keep: true): unknown }).get('machine', true);
  assert.throws(
    () => loadMachineNode(node, src),
    (e: unknown) => e instanceof InputError && e.file === 'sc.yaml' && e.line === 3 && e.col === 19,
  );
});
