/**
 * Each capture parser on good lines and on malformed ones: a bad line is
 * reported with its file and line number, never skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCmdline } from '../../../src/io/capture/cmdline.js';
import { parseCpuinfo } from '../../../src/io/capture/cpuinfo.js';
import { parseDmesg } from '../../../src/io/capture/dmesg.js';
import { formatIssue } from '../../../src/io/capture/lines.js';
import { memtypeListLines, parsePatMemtypeList } from '../../../src/io/capture/pat-memtype-list.js';
import { parseProcIomem } from '../../../src/io/capture/proc-iomem.js';
import { directMapLines, parseProcMeminfo } from '../../../src/io/capture/proc-meminfo.js';
import { parseProcMtrr } from '../../../src/io/capture/proc-mtrr.js';
import { parseQemu } from '../../../src/io/capture/qemu.js';
import { parseUname } from '../../../src/io/capture/uname.js';

test('dmesg: e820, PAT line, banner, command line, zones, Memory, ACPI, HPET, CPUs', () => {
  const text = [
    '[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP',
    '[    0.000000] Command line: console=ttyS0 debugpat',
    '[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable',
    '[    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved',
    '[    0.014347] x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  ',
    '[    0.041997] ACPI: DSDT 0x000000003FFE0040 00194C (v01 BOCHS  BXPC     00000001 BXPC 00000001)',
    '[    0.041997] ACPI: FACS 0x000000003FFE0000 000040',
    '[    0.051585] Zone ranges:',
    '[    0.051624]   DMA      [mem 0x0000000000001000-0x0000000000ffffff]',
    '[    0.051758]   Normal   empty',
    '[    0.051772] Movable zone start for each node',
    '[    0.073660] ACPI: HPET id: 0x8086a201 base: 0xfed00000',
    '[    0.127417] Memory: 260860K/1048056K available (14343K kernel code)',
    '[    0.833970] smp: Brought up 1 node, 2 CPUs',
  ].join('\n');
  const r = parseDmesg(text, 'dmesg.txt');
  assert.deepEqual(r.issues, []);
  const d = r.value;
  assert.equal(d.banner?.release, '6.1.0-56-amd64');
  assert.equal(d.commandLine, 'console=ttyS0 debugpat');
  assert.deepEqual(d.e820[0], { start: 0, end: 0x9fc00, type: 'usable', line: 3 });
  assert.equal(d.e820[1]!.end, 2 ** 32);
  assert.equal(d.patConfig, 'x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  ');
  assert.deepEqual(d.acpiTables, [
    { sig: 'DSDT', start: 0x3ffe0040, length: 0x194c },
    { sig: 'FACS', start: 0x3ffe0000, length: 0x40 },
  ]);
  assert.deepEqual(d.zoneRanges, [{ zone: 'DMA', start: 0x1000, endIncl: 0xffffff }]);
  assert.equal(d.hpetBase, 0xfed00000);
  assert.equal(d.memory?.totalK, 1048056);
  assert.equal(d.cpus, 2);
});

test('dmesg: every e820_print_type() name is read; a foreign TYPE is an issue at its line', () => {
  const text = [
    '[    0.0] BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable',
    '[    0.0] BIOS-e820: [mem 0x0000000000100000-0x00000000001fffff] ACPI data',
    '[    0.0] BIOS-e820: [mem 0x0000000000200000-0x00000000002fffff] ACPI NVS',
    '[    0.0] BIOS-e820: [mem 0x0000000000300000-0x00000000003fffff] unusable',
    '[    0.0] BIOS-e820: [mem 0x0000000000400000-0x00000000004fffff] soft reserved',
    '[    0.0] BIOS-e820: [mem 0x0000000000500000-0x00000000005fffff] persistent (type 12)',
    '[    0.0] BIOS-e820: [mem 0x0000000000600000-0x00000000006fffff] type 20',
    '[    0.0] BIOS-e820: [mem 0x0000000000700000-0x00000000007fffff] usable-ish',
  ].join('\n');
  const r = parseDmesg(text, 'dmesg.txt');
  assert.deepEqual(
    r.value.e820.map((e) => e.type),
    ['usable', 'ACPI data', 'ACPI NVS', 'unusable', 'reserved', 'persistent', 'reserved'],
  );
  assert.equal(r.issues.length, 1);
  assert.equal(r.issues[0]!.line, 8);
  assert.match(r.issues[0]!.why, /bad e820 line/);
});

test('dmesg: mem=/memmap= print a user-defined map after the BIOS one; the importer uses it', () => {
  const text = [
    '[    0.0] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable',
    '[    0.0] BIOS-e820: [mem 0x0000000000100000-0x000000003ffdffff] usable',
    '[    0.0] e820: remove [mem 0x20000000-0xfffffffffffffffe] usable',
    '[    0.0] user-defined physical RAM map:',
    '[    0.0] user: [mem 0x0000000000000000-0x000000000009fbff] usable',
    '[    0.0] user: [mem 0x0000000000100000-0x000000001fffffff] usable',
  ].join('\n');
  const r = parseDmesg(text, 'dmesg.txt');
  assert.deepEqual(r.issues, []);
  assert.equal(r.value.e820.length, 2);
  assert.deepEqual(r.value.e820User[1], { start: 0x100000, end: 0x20000000, type: 'usable', line: 6 });
});

test('dmesg: an EFI boot of more than 128 entries prints the extended map after the BIOS one; it is the whole table', () => {
  const text = [
    '[    0.0] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable',
    '[    0.0] extended physical RAM map:',
    '[    0.0] extended: [mem 0x0000000000000000-0x000000000009fbff] usable',
    '[    0.0] extended: [mem 0x0000000100000000-0x00000001001fffff] reserved',
  ].join('\n');
  const r = parseDmesg(text, 'dmesg.txt');
  assert.deepEqual(r.issues, []);
  assert.equal(r.value.e820.length, 1);
  assert.deepEqual(r.value.e820Extended[1], { start: 0x100000000, end: 0x100200000, type: 'reserved', line: 4 });
});

test('dmesg: MMCONFIG regions in use; "not using MMCONFIG" drops those before it', () => {
  const line = '[    0.0] PCI: MMCONFIG for domain 0000 [bus 00-ff] at [mem 0xb0000000-0xbfffffff] (base 0xb0000000)';
  let r = parseDmesg([line, '[    0.0] PCI: MMCONFIG at [mem 0xb0000000-0xbfffffff] reserved as E820 entry'].join('\n'), 'd');
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value.mmconfig, [{ segment: 0, startBus: 0, endBus: 0xff, base: 0xb0000000 }]);
  r = parseDmesg([line, '[    0.0] PCI: not using MMCONFIG'].join('\n'), 'd');
  assert.deepEqual(r.value.mmconfig, []);
  r = parseDmesg('[    0.0] PCI: MMCONFIG for domain 0000 [bus 00-ff] at somewhere', 'd');
  assert.equal(r.issues[0]?.line, 1);
});

test('dmesg: 6.12 words the ECAM line differently and says "not using ECAM (...)"; same regions', () => {
  const line = '[    1.18] PCI: ECAM [mem 0xb0000000-0xbfffffff] (base 0xb0000000) for domain 0000 [bus 00-ff]';
  let r = parseDmesg([line, '[    1.18] PCI: ECAM [mem 0xb0000000-0xbfffffff] reserved as E820 entry'].join('\n'), 'd');
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value.mmconfig, [{ segment: 0, startBus: 0, endBus: 0xff, base: 0xb0000000 }]);
  r = parseDmesg([line, '[    1.2] PCI: not using ECAM ([mem 0xb0000000-0xbfffffff] not reserved)'].join('\n'), 'd');
  assert.deepEqual(r.value.mmconfig, []);
  r = parseDmesg('[    0.0] PCI: ECAM [mem 0xb0000000-0xbfffffff] (base 0xb0000000) for somewhere', 'd');
  assert.equal(r.issues[0]?.line, 1);
});

test('dmesg: the DMI system line, not 6.12\'s "DMI: Memory slots populated" after it', () => {
  const r = parseDmesg(['[    0.0] DMI: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014', '[    0.0] DMI: Memory slots populated: 1/1'].join('\n'), 'd');
  assert.equal(r.value.dmi, 'QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014');
});

test('dmesg: print_mtrr_state lines and the v6.2+ MTRR map', () => {
  const text = [
    '[    0.0] MTRR default type: write-back',
    '[    0.0] MTRR fixed ranges enabled:',
    '[    0.0]   00000-9FFFF write-back',
    '[    0.0]   A0000-BFFFF uncachable',
    '[    0.0] MTRR variable ranges enabled:',
    '[    0.0]   0 base 0080000000 mask FF80000000 uncachable',
    '[    0.0]   1 disabled',
    '[    0.0] TOM2: 0000000140000000 aka 5120M',
    '[    0.0] MTRR map: 4 entries (3 fixed + 1 variable; max 23), built from 8 variable MTRRs',
    '[    0.0]   0: 0000000000000000-000000000009ffff write-back',
  ].join('\n');
  const r = parseDmesg(text, 'd');
  assert.deepEqual(r.issues, []);
  const m = r.value.mtrr;
  assert.equal(m.defType, 'write-back');
  assert.equal(m.fixedEnabled, true);
  assert.deepEqual(m.fixed[1], { start: 0xa0000, endIncl: 0xbffff, type: 'uncachable' });
  assert.deepEqual(m.variable[0], { reg: 0, base: 0x80000000, size: 0x80000000, type: 'uncachable' });
  assert.equal(m.variable[1]!.base, null);
  assert.equal(m.tom2, 0x140000000);
  assert.equal(m.mapBuiltFromVariable, 8);
  assert.equal(m.map.length, 1);
});

test('dmesg: malformed lines are reported with file:line', () => {
  const text = [
    '[    0.0] BIOS-e820: [mem 0x0-0x9fbff] usable',
    '[    0.0] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] weird',
    '[garbage',
    '[    0.0] x86/PAT: Configuration [0-7]: WB WB',
    '[    0.0] MTRR variable ranges enabled:',
    '[    0.0]   0 base nothex mask FF uncachable',
  ].join('\n');
  const r = parseDmesg(text, 'dmesg.txt');
  assert.deepEqual(r.issues.map((i) => i.line), [1, 2, 3, 4, 6]);
  assert.match(formatIssue(r.issues[0]!), /^dmesg\.txt:1:1: bad e820 line/);
});

test('/proc/mtrr: MB and KB sizes; bad lines reported', () => {
  const r = parseProcMtrr(
    'reg00: base=0x080000000 ( 2048MB), size= 2048MB, count=1: uncachable\nreg01: base=0x0000a0000 (    0MB), size=  128KB, count=1: write-combining\nreg02: base=0x0 oops\nreg03: base=0x000000000 (    0MB), size=    4MB, count=1: funny\n',
    'proc-mtrr.txt',
  );
  assert.deepEqual(r.value[0], { reg: 0, base: 0x80000000, size: 0x80000000, type: 0 });
  assert.deepEqual(r.value[1], { reg: 1, base: 0xa0000, size: 0x20000, type: 1 });
  assert.deepEqual(r.issues.map((i) => [i.file, i.line]), [['proc-mtrr.txt', 3], ['proc-mtrr.txt', 4]]);
});

test('/proc/iomem: nesting by indent; zeroed addresses noticed; bad indent reported', () => {
  const r = parseProcIomem('00100000-3ffdffff : System RAM\n  17e00000-18c01d31 : Kernel code\nfed00000-fed003ff : HPET 0\n  fed00000-fed003ff : PNP0103:00\n', 'iomem');
  assert.deepEqual(r.issues, []);
  assert.equal(r.value.roots.length, 2);
  assert.equal(r.value.roots[0]!.children[0]!.name, 'Kernel code');
  assert.equal(r.value.roots[1]!.children[0]!.endIncl, 0xfed003ff);
  assert.equal(r.value.zeroed, false);
  const z = parseProcIomem('00000000-00000000 : System RAM\n  00000000-00000000 : Kernel code\n', 'iomem');
  assert.equal(z.value.zeroed, true);
  const bad = parseProcIomem('00100000-3ffdffff : System RAM\n      1-2 : too deep\n 3-4 : odd indent\nzz-1 : x\n', 'iomem');
  assert.deepEqual(bad.issues.map((i) => i.line), [2, 3, 4]);
});

test('/proc/meminfo: values and the DirectMap lines; bad lines reported', () => {
  const r = parseProcMeminfo('MemTotal:         983744 kB\nHugePages_Total:       0\nDirectMap4k:       30592 kB\nDirectMap2M:     1017856 kB\nbroken line\n', 'mi');
  assert.equal(r.value[0]!.value, 983744);
  assert.equal(r.value[1]!.kb, false);
  assert.deepEqual(directMapLines(r.value), ['DirectMap4k:       30592 kB', 'DirectMap2M:     1017856 kB']);
  assert.deepEqual(r.issues.map((i) => i.line), [5]);
});

test('pat_memtype_list: current and old formats; bad lines reported', () => {
  const r = parsePatMemtypeList(
    'PAT memtype list:\nPAT: [mem 0x000000003ffe0000-0x000000003ffe2000] write-back\nuncached-minus @ 0xfed00000-0xfed01000\nPAT: [mem 0x1-0x0] write-back\nwhat @ 0x0-0x1000\nnonsense\n',
    'list',
  );
  assert.deepEqual(r.value.map((e) => e.format), ['current', 'old']);
  assert.deepEqual(memtypeListLines(r.value), [
    'PAT: [mem 0x000000003ffe0000-0x000000003ffe2000] write-back',
    'PAT: [mem 0x00000000fed00000-0x00000000fed01000] uncached-minus',
  ]);
  assert.deepEqual(r.issues.map((i) => i.line), [4, 5, 6]);
  // WP is cattr_name()'s "write-protected", as patlab's own list prints it (the MTRR word "write-protect" is not a memtype).
  const wp = parsePatMemtypeList('PAT: [mem 0x00000000000c0000-0x00000000000c1000] write-protected\nPAT: [mem 0x00000000000c1000-0x00000000000c2000] write-protect\n', 'list');
  assert.deepEqual(wp.value.map((e) => e.type), ['write-protected']);
  assert.deepEqual(wp.issues.map((i) => i.line), [2]);
});

test('cpuinfo: first block fields and flags; bad lines reported', () => {
  const r = parseCpuinfo('processor\t: 0\nvendor_id\t: AuthenticAMD\npower management:\nflags\t\t: fpu pse pat\n\nprocessor\t: 1\nno colon here\n', 'cpu');
  assert.equal(r.value.fields.get('vendor_id'), 'AuthenticAMD');
  assert.deepEqual(r.value.flags, ['fpu', 'pse', 'pat']);
  assert.equal(r.value.processors, 2);
  assert.deepEqual(r.issues.map((i) => i.line), [7]);
});

test('cmdline, uname, qemu.txt', () => {
  assert.deepEqual(parseCmdline('console=ttyS0 nopat foo="a b"\n', 'c').value, ['console=ttyS0', 'nopat', 'foo=a b']);
  assert.deepEqual(parseCmdline('a\nb\n', 'c').issues.map((i) => i.line), [2]);
  const u = parseUname('Linux (none) 6.1.0-50-686-pae #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02) i686 GNU/Linux\n', 'u');
  assert.deepEqual(u.value, { release: '6.1.0-50-686-pae', version: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02)', machine: 'i686' });
  assert.equal(parseUname('Darwin x 1\n', 'u').issues[0]!.line, 1);
  const q = parseQemu("qemu-system-x86_64 -accel tcg -m 1024 -cpu qemu64,-mtrr -smp 2 -append 'console=ttyS0 nopat'\n# QEMU emulator version 7.2\n", 'q');
  assert.deepEqual(q.issues, []);
  assert.equal(q.value?.memMiB, 1024);
  assert.equal(q.value?.cpuModel, 'qemu64');
  assert.deepEqual(q.value?.cpuFlagsOff, ['mtrr']);
  assert.equal(q.value?.smp, 2);
  assert.equal(q.value?.append, 'console=ttyS0 nopat');
  assert.equal(parseQemu('bochs -m 1\n', 'q').issues[0]!.line, 1);
});
