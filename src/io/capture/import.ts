/**
 * A capture bundle → a machine (`patlab import DIR`). Each part of the
 * machine comes from the file that shows it; what no file shows is defaulted
 * and said so in `notes`. The result goes through the machine-file loader
 * (schema and semantic checks), so an imported machine is a machine file.
 *
 * What is read from where:
 * - arch, kernel version: `uname.txt`, else the dmesg banner;
 * - CPU: `cpuinfo.txt` (vendor, family, model, flags, address sizes,
 *   clflush size), CPU count from dmesg (`smp: Brought up`), else `qemu.txt` `-smp`;
 * - e820: dmesg `BIOS-e820:` lines, or the `extended:` map an EFI boot with more than 128 entries
 *   prints, or the `user:` map when mem=/memmap= made one;
 * - MTRRs: `/proc/mtrr` (enabled variable ranges) and, when printed, dmesg's
 *   MTRR state (default type, fixed ranges, VCNT, TOM2); no `mtrr` flag in
 *   cpuinfo = no MTRRs;
 * - iomem: `/proc/iomem` roots except System RAM and Reserved (those come from
 *   e820), kernel image from its `Kernel code`..`Kernel bss` children;
 * - x86-32 lowmem end: dmesg `Zone ranges:` (start of HighMem);
 * - boot options: `cmdline.txt`, else dmesg `Command line:`, else qemu `-append`;
 * - firmware (boot-time memtype reservations): dmesg ACPI table list,
 *   `ACPI: HPET id: ... base:` and the MMCONFIG regions in use (`PCI: MMCONFIG for domain`).
 * Never read for the machine: `pat_memtype_list*.txt`, `proc-meminfo.txt`
 * and the dmesg `x86/PAT:` lines — they are what `check-capture` compares
 * the model's predictions against — with one exception: the firmware's PAT
 * value, which no other file shows, is read from the Configuration line when
 * PAT is disabled and Linux's tables are built from it (said in the notes).
 */

import { basename, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { MachineSpec } from '../../kernel/machine.js';
import { dumpMachine } from '../machine/dump-machine.js';
import { loadMachine } from '../machine/load-machine.js';
import { BOOT_OPTIONS, KERNELS } from '../machine/machine-schema.js';
import { hex } from '../../hw/hex.js';
import { readBundle, type Bundle } from './bundle.js';
import type { ParseIssue } from './lines.js';
import { walkIomem, type IomemNode } from './proc-iomem.js';
import { splitCmdline } from './cmdline.js';
import { patBootInit } from '../../kernel/pat/pat-init.js';
import { MT, memTypeShort } from '../../hw/cache-mode.js';
import { formatPatMsr } from '../../hw/pat-msr.js';
import { InputError } from '../../run/input-error.js';

export interface ImportResult {
  machine: MachineSpec;
  /** The machine as a machine file (dumpMachine). */
  yaml: string;
  /** What was defaulted or assumed, one sentence each. */
  notes: string[];
  /** Unreadable lines (file:line); non-empty means the import is not trustworthy. */
  issues: ParseIssue[];
  bundle: Bundle;
}

type Raw = Record<string, unknown>;

const MTRR_SHORT: Record<string, string> = {
  uncachable: 'UC',
  'write-combining': 'WC',
  'write-through': 'WT',
  'write-protect': 'WP',
  'write-back': 'WB',
};

/** The common PC BIOS fixed-range layout (SeaBIOS `mtrr_setup()`): RAM WB, VGA hole UC, ROM area WP. */
const ASSUMED_FIXED = [
  { at: '0x0', size: '0xA0000', type: 'WB' },
  { at: '0xA0000', size: '0x20000', type: 'UC' },
  { at: '0xC0000', size: '0x40000', type: 'WP' },
];

/** Kernel release `6.1.0-56-amd64` → the model's version preset (KERNELS), with a note when not exact. */
export function kernelPresetOf(release: string, notes: string[]): string {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) {
    notes.push(`kernel: release '${release}' has no version number; using mainline`);
    return 'mainline';
  }
  const v = Number(m[1]) * 1000 + Number(m[2]);
  const exact = `${m[1]}.${m[2]}`;
  if ((KERNELS as readonly string[]).includes(exact)) return exact;
  // Presets model 6.1, 6.6, 6.12 and mainline (v6.16+); take the closest older one.
  if (v >= 6016) return 'mainline';
  const older = ['6.12', '6.6', '6.1'].find((k) => Number(k.split('.')[0]) * 1000 + Number(k.split('.')[1]) <= v);
  const chosen = older ?? '6.1';
  notes.push(`kernel: no preset for ${exact}; using ${chosen} (${older ? 'the closest older one' : 'the oldest modelled'})`);
  return chosen;
}

function archOf(b: Bundle, notes: string[]): 'x86-64' | 'x86-32-pae' | 'x86-32' {
  const machine = b.uname?.machine;
  const release = b.uname?.release ?? b.dmesg?.banner?.release;
  const is32 = machine !== undefined ? machine !== 'x86_64' : release !== undefined ? /-(686|486|586)/.test(release) : b.qemu?.binary === 'qemu-system-i386';
  if (machine === undefined && release === undefined) notes.push('arch: no uname.txt or dmesg banner; taken from qemu.txt or defaulted to x86-64');
  if (!is32) return 'x86-64';
  if (release !== undefined && /pae/.test(release)) return 'x86-32-pae';
  notes.push(`arch: 32-bit kernel '${release ?? '?'}' without "pae" in its release: assumed non-PAE`);
  return 'x86-32';
}

function cpuOf(b: Bundle, arch: string, notes: string[]): Raw {
  const c = b.cpuinfo;
  const cpu: Raw = {};
  if (c === undefined) {
    notes.push('cpu: no cpuinfo.txt; CPU model and flags defaulted (build-cpu.ts)');
  } else {
    const f = c.fields;
    if (f.has('vendor_id')) cpu['vendor'] = f.get('vendor_id');
    if (f.has('cpu family')) cpu['family'] = Number(f.get('cpu family'));
    if (f.has('model')) cpu['model'] = Number(f.get('model'));
    const wanted = ['pat', 'pse', 'pdpe1gb', 'clflush', 'ss', 'mtrr', 'hypervisor'];
    let feats = c.flags.filter((x) => wanted.includes(x));
    if (arch !== 'x86-64' && feats.includes('pdpe1gb')) {
      feats = feats.filter((x) => x !== 'pdpe1gb');
      notes.push('cpu: pdpe1gb ignored: a 32-bit kernel never maps with 1 GiB pages');
    }
    cpu['features'] = feats;
    const as = /^(\d+) bits physical/.exec(f.get('address sizes') ?? '');
    if (as) cpu['phys_addr_bits'] = Number(as[1]);
    else notes.push('cpu: no "address sizes" in cpuinfo; MAXPHYADDR defaulted');
    if (f.has('clflush size')) cpu['clflush_size'] = Number(f.get('clflush size'));
  }
  const n = b.dmesg?.cpus ?? b.qemu?.smp ?? null;
  if (n !== null) cpu['cpus'] = n;
  else notes.push('cpu: CPU count not in dmesg or qemu.txt; 1 assumed');
  return cpu;
}

/**
 * Whether the CPU has MTRRs when cpuinfo.txt does not say: `/proc/mtrr` exists
 * exactly when it has (arch/x86/kernel/cpu/mtrr/if.c creates it only then), so
 * its absence counts when other /proc files were captured; a qemu `-cpu ...,-mtrr`
 * says so too; with no evidence, MTRRs (every x86 CPU since the Pentium Pro).
 */
function mtrrWithoutCpuinfo(b: Bundle, notes: string[]): boolean {
  if (b.procMtrr !== undefined) return true;
  if (b.qemu?.cpuFlagsOff.includes('mtrr')) {
    notes.push('mtrr: no cpuinfo.txt; qemu.txt switches the CPU\'s mtrr flag off: no MTRRs');
    return false;
  }
  if (b.iomem !== undefined || b.meminfo !== undefined) {
    notes.push('mtrr: no cpuinfo.txt and no proc-mtrr.txt although other /proc files were captured: a CPU without MTRRs assumed');
    return false;
  }
  notes.push('mtrr: no cpuinfo.txt and no /proc files: a CPU with MTRRs assumed');
  return true;
}

function mtrrOf(b: Bundle, hasMtrr: boolean, notes: string[]): Raw | null {
  if (!hasMtrr) {
    if (b.procMtrr !== undefined && b.procMtrr.length > 0) notes.push('mtrr: cpuinfo has no mtrr flag, /proc/mtrr ignored');
    return null;
  }
  const d = b.dmesg?.mtrr;
  const out: Raw = { enabled: true };
  if (d?.defType) out['default'] = MTRR_SHORT[d.defType] ?? 'UC';
  else {
    out['default'] = 'WB';
    notes.push('mtrr: default type not printed (no mtrr=debug state in dmesg): WB assumed');
  }
  if (d !== undefined && d.fixed.length > 0) {
    out['fixed_enabled'] = d.fixedEnabled ?? true;
    out['fixed'] = d.fixed.map((r) => ({ at: hex(r.start), size: hex(r.endIncl + 1 - r.start), type: MTRR_SHORT[r.type] }));
  } else {
    out['fixed_enabled'] = true;
    out['fixed'] = ASSUMED_FIXED;
    notes.push('mtrr: fixed ranges not printed: assumed WB below 0xA0000, UC 0xA0000-0xBFFFF, WP 0xC0000-0xFFFFF (PC BIOS layout)');
  }
  let variable: Raw[];
  if (b.procMtrr !== undefined) {
    variable = b.procMtrr.map((e) => ({ base: hex(e.base), size: hex(e.size), type: ['UC', 'WC', '?', '?', 'WT', 'WP', 'WB'][e.type]! }));
  } else if (d !== undefined && d.variable.length > 0) {
    variable = d.variable.filter((v) => v.base !== null).map((v) => ({ base: hex(v.base!), size: hex(v.size!), type: MTRR_SHORT[v.type!] }));
  } else {
    variable = [];
    notes.push('mtrr: no /proc/mtrr and no MTRR state in dmesg: no variable ranges assumed');
  }
  out['variable'] = variable;
  if (d !== undefined && d.variable.length > 0) out['vcnt'] = d.variable.length;
  else if (d?.mapBuiltFromVariable != null) out['vcnt'] = Math.max(d.mapBuiltFromVariable, variable.length);
  else {
    out['vcnt'] = Math.max(8, variable.length);
    notes.push('mtrr: VCNT not printed: 8 assumed');
  }
  if (d?.tom2 != null) out['tom2'] = hex(d.tom2);
  return out;
}

/** Where each machine key came from in the bundle (file and line), for errors found when the machine is checked. */
function originsOf(dir: string, b: Bundle): Record<string, { file: string; line: number }> {
  const at = (name: string, line = 1): { file: string; line: number } => ({ file: join(dir, name), line });
  const o: Record<string, { file: string; line: number }> = {};
  const e820 = b.dmesg?.e820User[0] ?? b.dmesg?.e820Extended[0] ?? b.dmesg?.e820[0];
  o['e820'] = e820 !== undefined ? at('dmesg.txt', e820.line) : at('proc-iomem.txt');
  if (b.dmesg?.zoneRangesLine != null) o['max_low_pfn'] = at('dmesg.txt', b.dmesg.zoneRangesLine);
  o['mtrr'] = b.procMtrr !== undefined ? at('proc-mtrr.txt') : at('dmesg.txt');
  o['cpu'] = b.cpuinfo !== undefined ? at('cpuinfo.txt') : at('dmesg.txt');
  o['iomem'] = at('proc-iomem.txt');
  o['kernel_image'] = at('proc-iomem.txt');
  o['boot'] = b.cmdline !== undefined ? at('cmdline.txt') : at('dmesg.txt');
  o['firmware'] = at('dmesg.txt');
  o['firmware_pat'] = at('dmesg.txt');
  return o;
}

/** The top-level key whose block holds line `line` (1-based) of a YAML document written by `stringify`. */
function topKeyAt(text: string, line: number): string | null {
  const lines = text.split('\n');
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /^([a-z_0-9]+):/.exec(lines[i]!);
    if (m) return m[1]!;
  }
  return null;
}

/**
 * Load the generated machine; an error found in it is reported at the bundle
 * file (and line, where known) the offending key was read from, not in the
 * generated text nobody sees.
 */
function loadImported(text: string, file: string, origins: Record<string, { file: string; line: number }>): MachineSpec {
  try {
    return loadMachine(text, file);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const key = topKeyAt(text, e.line);
    const o = key === null ? undefined : origins[key];
    if (o === undefined) throw e;
    throw new InputError(o.file, o.line, 1, `${e.detail} (imported as the machine's ${key})`);
  }
}

/** PAT codes of the Configuration line's names (the inverse of memTypeShort; reserved 2/3 print as WB, read back as 6). */
const PAT_CODES: Record<string, bigint> = Object.fromEntries([MT.UC, MT.WC, MT.WT, MT.WP, MT.WB, MT.UC_MINUS].map((t) => [memTypeShort(t), BigInt(t)]));

/**
 * The firmware's IA32_PAT as the captured Configuration line shows it, when
 * the model says Linux built its tables from the firmware's value (layout
 * 'firmware'); null otherwise or without a line.
 */
function firmwarePatShown(m: MachineSpec, line: string | null): bigint | null {
  if (line === null || patBootInit(m).layout !== 'firmware') return null;
  const cells = line.replace(/^x86\/PAT: Configuration \[0-7\]: /, '').trim().split(/ +/);
  if (cells.length !== 8 || cells.some((c) => PAT_CODES[c] === undefined)) return null;
  return cells.reduce((v, c, i) => v | (PAT_CODES[c]! << BigInt(8 * i)), 0n);
}

function resOut(n: IomemNode): Raw {
  const r: Raw = { start: hex(n.start), end: hex(n.endIncl + 1), name: n.name };
  if (n.children.length > 0) r['children'] = n.children.map(resOut);
  return r;
}

/** Import the bundle in `dir`. Parse issues are returned, not thrown: the CLI prints them all. */
export function importBundle(dir: string): ImportResult {
  const b = readBundle(dir);
  const notes: string[] = [];
  for (const f of b.missing) notes.push(`${f}: not in the bundle`);
  for (const f of b.otherFiles) notes.push(`${f}: not read (no parser for it)`);

  const arch = archOf(b, notes);
  const raw: Raw = { name: basename(resolve(dir)) };
  const release = b.uname?.release ?? b.dmesg?.banner?.release;
  const desc = [release ? `Linux ${release}` : null, b.qemu ? `QEMU: ${b.qemu.binary} -m ${b.qemu.memMiB ?? '?'} -cpu ${b.qemu.cpuModel ?? 'default'} -smp ${b.qemu.smp ?? 1}` : null]
    .filter((x) => x !== null)
    .join('; ');
  raw['description'] = `Imported from capture ${basename(resolve(dir))}${desc ? ` (${desc})` : ''}.`;
  raw['arch'] = arch;
  if (release !== undefined) raw['kernel'] = kernelPresetOf(release, notes);
  else notes.push('kernel: no uname.txt or dmesg banner; mainline assumed');

  const cpu = cpuOf(b, arch, notes);
  raw['cpu'] = cpu;
  const feats = cpu['features'] as string[] | undefined;
  const hasMtrr = feats === undefined ? mtrrWithoutCpuinfo(b, notes) : feats.includes('mtrr');
  if (feats === undefined) cpu['mtrr'] = hasMtrr;
  raw['mtrr'] = mtrrOf(b, hasMtrr, notes);

  // e820
  const user = b.dmesg?.e820User ?? [];
  const extended = b.dmesg?.e820Extended ?? [];
  if (user.length > 0) notes.push('e820: the user-defined map (mem=/memmap=) printed in dmesg replaces the BIOS one');
  else if (extended.length > 0) notes.push('e820: the extended map (the BIOS one with the EFI boot\'s SETUP_E820_EXT entries) printed in dmesg replaces the BIOS one');
  const e820 = user.length > 0 ? user : extended.length > 0 ? extended : (b.dmesg?.e820 ?? []);
  if (e820.length > 0) raw['e820'] = e820.map((e) => ({ start: hex(e.start), end: hex(e.end), type: e.type }));
  else if (b.iomem !== undefined && !b.iomem.zeroed) {
    raw['e820'] = b.iomem.roots
      .filter((n) => n.name === 'System RAM' || n.name === 'Reserved')
      .map((n) => ({ start: hex(n.start), end: hex(n.endIncl + 1), type: n.name === 'System RAM' ? 'usable' : 'reserved' }));
    notes.push('e820: no BIOS-e820 lines in dmesg: taken from /proc/iomem System RAM and Reserved');
  }

  if (raw['e820'] === undefined) {
    throw new InputError(
      dir,
      1,
      1,
      b.dmesg === undefined && b.iomem === undefined
        ? 'no RAM map in the bundle: neither dmesg.txt (BIOS-e820 lines) nor proc-iomem.txt (System RAM) is there'
        : 'no RAM map in the bundle: dmesg.txt has no BIOS-e820 lines and proc-iomem.txt is missing or unreadable',
    );
  }

  // iomem, kernel image
  if (b.iomem?.zeroed) notes.push('proc-iomem.txt: every address is zero (read without root): iomem and kernel image not imported');
  else if (b.iomem !== undefined) {
    raw['iomem'] = b.iomem.roots.filter((n) => n.name !== 'System RAM' && n.name !== 'Reserved').map(resOut);
    notes.push('iomem: /proc/iomem does not show IORESOURCE_PREFETCH: no BAR is marked prefetchable');
    const kern = [...walkIomem(b.iomem.roots)].filter((n) => /^Kernel (code|rodata|data|bss)$/.test(n.name));
    if (kern.length > 0) {
      const start = Math.min(...kern.map((k) => k.start));
      const end = Math.ceil((Math.max(...kern.map((k) => k.endIncl)) + 1) / 4096) * 4096;
      raw['kernel_image'] = { start: hex(start), end: hex(end) };
    }
  }
  if (raw['kernel_image'] === undefined) notes.push('kernel_image: no Kernel code/bss resources: default placement assumed');

  // x86-32 lowmem end
  if (arch !== 'x86-64') {
    const hm = b.dmesg?.zoneRanges?.find((z) => z.zone === 'HighMem');
    const normal = b.dmesg?.zoneRanges?.find((z) => z.zone === 'Normal');
    if (hm !== undefined) raw['max_low_pfn'] = hex(hm.start / 4096);
    else if (normal !== undefined) raw['max_low_pfn'] = hex((normal.endIncl + 1) / 4096);
    else notes.push('max_low_pfn: no Zone ranges in dmesg: derived from the 3G/1G split');
  }

  const config: Raw = {};
  if (b.dmesg?.patLines.some((l) => /CONFIG_X86_PAT is disabled/.test(l))) config['x86_pat'] = false;
  if (arch !== 'x86-64') config['highmem'] = true;
  raw['config'] = config;
  if (arch !== 'x86-64') notes.push('config: CONFIG_HIGHMEM assumed on (Debian 686 kernels)');

  // Boot options
  const cmd = b.cmdline ?? (b.dmesg?.commandLine != null ? splitCmdline(b.dmesg.commandLine) : b.qemu?.append != null ? splitCmdline(b.qemu.append) : undefined);
  if (cmd === undefined) notes.push('boot: no command line in the bundle: no boot options assumed');
  const boot = (cmd ?? [])
    .map((w) => (w === 'debug_pagealloc=on' ? 'debug_pagealloc' : w))
    .filter((w) => (BOOT_OPTIONS as readonly string[]).includes(w));
  raw['boot'] = [...new Set(boot)];

  // Firmware: boot-time mappings
  const d = b.dmesg;
  if (d !== undefined) {
    const regions: Raw[] = [];
    const hpetDev = b.iomem !== undefined && [...walkIomem(b.iomem.roots)].some((n) => n.name.startsWith('PNP0103'));
    if (d.hpetBase !== null && hpetDev && /QEMU/.test(d.dmi ?? '')) {
      regions.push({ start: hex(d.hpetBase), length: '0x400', name: 'HPET.HPTM (QEMU DSDT, read by _STA)' });
      notes.push("firmware: QEMU's DSDT HPET OperationRegion (hw/i386/acpi-build.c) assumed from DMI and PNP0103");
    } else notes.push('firmware: SystemMemory OperationRegions read by AML are not visible in a capture: none assumed');
    raw['firmware'] = {
      acpi_tables: d.acpiTables.filter((t) => t.sig !== 'RSDP').map((t) => ({ sig: t.sig, start: hex(t.start), length: hex(t.length) })),
      hpet: d.hpetBase === null ? null : hex(d.hpetBase),
      acpi_memory_regions: regions,
      mmconfig: d.mmconfig.map((c) => ({ segment: c.segment, start_bus: c.startBus, end_bus: c.endBus, base: hex(c.base) })),
    };
  } else notes.push('firmware: no dmesg: no ACPI tables or HPET, so no boot-time memtype reservations');

  const file = `<import ${dir}>`;
  const origins = originsOf(dir, b);
  let machine = loadImported(stringify(raw, { lineWidth: 0 }), file, origins);
  // PAT state: the firmware's IA32_PAT shows only where Linux builds its tables from it
  // (PAT disabled with a PAT-capable CPU: nopat, CONFIG_X86_PAT=n, 6.1 without MTRRs).
  const shown = firmwarePatShown(machine, b.dmesg?.patConfig ?? null);
  if (shown !== null && shown !== machine.firmwarePat) {
    raw['firmware_pat'] = formatPatMsr(shown);
    notes.push(`firmware_pat: ${raw['firmware_pat']} from the x86/PAT: Configuration line (PAT is disabled, so the line shows the firmware's value; pat_config agrees by construction)`);
    machine = loadImported(stringify(raw, { lineWidth: 0 }), file, origins);
  } else if (shown !== null) notes.push('firmware_pat: the reset value 0x0007040600070406, as the x86/PAT: Configuration line shows (PAT disabled)');
  else notes.push('firmware_pat: not visible in this capture (PAT programs its own layout, or no Configuration line): the reset value 0x0007040600070406 assumed');
  return { machine, yaml: dumpMachine(machine), notes, issues: b.issues, bundle: b };
}
