/**
 * `dmesg` output: `[%5lu.%06lu] text` per line (printk's time prefix;
 * `dmesg -r` adds a `<level>` before it, `dmesg -t` drops the time: both are
 * read). Every line must have that shape; lines of the kinds the importer
 * uses are read field by field and reported when they do not match their
 * kernel format: the banner (`Linux version`), `Command line:`, the
 * `BIOS-e820:` map (arch/x86/kernel/e820.c `e820__print_table`), the
 * `x86/PAT:` lines (arch/x86/mm/pat/memtype.c), the MTRR state of
 * `print_mtrr_state()` (mtrr=debug or dynamic debug, before v6.2) and of the
 * v6.2+ `MTRR map:` dump (mtrr=debug), `Zone ranges:`
 * (mm/page_alloc.c `free_area_init`), `Memory:` (`mem_init_print_info`),
 * the ACPI table list (`acpi_tb_print_table_header`), `ACPI: HPET id:`,
 * the CPU count lines and `LOWMEM`/`HIGHMEM available` (32-bit).
 * Other lines are kept as text (`lines`) without being interpreted.
 */

import type { E820Type } from '../../kernel/machine.js';
import { hexNum, numberedLines, type Parsed, type ParseIssue } from './lines.js';

export interface DmesgLine {
  n: number;
  /** Seconds as printed, or null with `dmesg -t`. */
  time: string | null;
  text: string;
}

export interface DmesgMtrrVar {
  reg: number;
  /** null: `N disabled`. */
  base: number | null;
  size: number | null;
  type: string | null;
}

export interface DmesgMtrr {
  defType: string | null;
  fixedEnabled: boolean | null;
  /** `print_fixed()` runs: `[start, endIncl] type`. */
  fixed: { start: number; endIncl: number; type: string }[];
  variableEnabled: boolean | null;
  variable: DmesgMtrrVar[];
  tom2: number | null;
  /** v6.2+ `MTRR map:` header: variable MTRR count it was built from. */
  mapBuiltFromVariable: number | null;
  /** v6.2+ map entries `[start, endIncl] type`. */
  map: { start: number; endIncl: number; type: string }[];
  /** `mtrr: ...` lines (inconsistent settings at secondary CPU bring-up, ...). */
  notes: string[];
}

export interface Dmesg {
  lines: DmesgLine[];
  banner: { release: string; text: string } | null;
  commandLine: string | null;
  e820: { start: number; end: number; type: E820Type; line: number }[];
  /** `user-defined physical RAM map:` (`user: ` lines, after `mem=`/`memmap=`): the map the kernel uses. */
  e820User: { start: number; end: number; type: E820Type; line: number }[];
  /** `extended physical RAM map:` (`extended: ` lines): an EFI boot's map of more than 128 entries, the zeropage's and SETUP_E820_EXT's together (`e820__memory_setup_extended()`). */
  e820Extended: { start: number; end: number; type: E820Type; line: number }[];
  /** The exact `x86/PAT: Configuration [0-7]: ...` line (trailing spaces kept). */
  patConfig: string | null;
  /** Every `x86/PAT:` line, in order. */
  patLines: string[];
  mtrr: DmesgMtrr;
  zoneRanges: { zone: string; start: number; endIncl: number }[] | null;
  /** Line of `Zone ranges:` (for errors about what the importer derived from it). */
  zoneRangesLine: number | null;
  memory: { availableK: number; totalK: number; text: string } | null;
  acpiTables: { sig: string; start: number; length: number }[];
  hpetBase: number | null;
  /** MMCONFIG regions in use: `PCI: MMCONFIG for domain ...` lines after the last `PCI: not using MMCONFIG`. */
  mmconfig: { segment: number; startBus: number; endBus: number; base: number }[];
  /** `smp: Brought up N nodes, M CPUs` / `smpboot: Allowing N CPUs`. */
  cpus: number | null;
  /** `NNNMB LOWMEM available.` (32-bit). */
  lowmemMiB: number | null;
  dmi: string | null;
}

const PREFIX = /^(?:<\d+>)?(?:\[\s*(\d+\.\d+)\] ?)?(.*)$/;
const E820_TYPES: Record<string, E820Type> = {
  usable: 'usable',
  reserved: 'reserved',
  'ACPI data': 'ACPI data',
  'ACPI NVS': 'ACPI NVS',
  unusable: 'unusable',
  'persistent (type 7)': 'persistent',
  'persistent (type 12)': 'persistent',
  // E820_TYPE_SOFT_RESERVED and unknown types (`type %u`) are not RAM: for PAT they are reserved.
  'soft reserved': 'reserved',
};

/** `e820_print_type()`'s name → the machine's e820 type (undefined: not a name it prints). */
function e820TypeOf(name: string): E820Type | undefined {
  if (/^type \d+$/.test(name)) return 'reserved';
  if (/^persistent \(type \d+\)$/.test(name)) return 'persistent';
  return E820_TYPES[name];
}
const MTRR_TYPES = ['uncachable', 'write-combining', 'write-through', 'write-protect', 'write-back'];

function lowestBit(n: bigint): bigint {
  return n & -n;
}

/** A hex number in a dmesg line above 2^53-1, which a double cannot hold exactly. */
class TooBig extends Error {}

/** `hexNum`, or TooBig for the line when the number is not exact. */
function hx(s: string): number {
  const v = hexNum(s);
  if (v === undefined) throw new TooBig(`number 0x${s.replace(/^0x/i, '')} is above 2^53-1, the largest exact address`);
  return v;
}

export function parseDmesg(text: string, file: string): Parsed<Dmesg> {
  const issues: ParseIssue[] = [];
  const d: Dmesg = {
    lines: [],
    banner: null,
    commandLine: null,
    e820: [],
    e820User: [],
    e820Extended: [],
    patConfig: null,
    patLines: [],
    mtrr: { defType: null, fixedEnabled: null, fixed: [], variableEnabled: null, variable: [], tom2: null, mapBuiltFromVariable: null, map: [], notes: [] },
    zoneRanges: null,
    zoneRangesLine: null,
    memory: null,
    acpiTables: [],
    hpetBase: null,
    mmconfig: [],
    cpus: null,
    lowmemMiB: null,
    dmi: null,
  };
  // Which indented block the following `  ...` lines belong to.
  let block: 'none' | 'fixed' | 'variable' | 'zones' | 'map' = 'none';
  const bad = (n: number, t: string, why: string): void => {
    issues.push({ file, line: n, text: t, why });
  };
  for (const l of numberedLines(text)) {
    try {
      const p = PREFIX.exec(l.text)!;
      if (p[1] === undefined && /^\[/.test(l.text)) {
        bad(l.n, l.text, 'not a dmesg line (expected "[  seconds.micros] text")');
        continue;
      }
      const t = p[2]!;
      d.lines.push({ n: l.n, time: p[1] ?? null, text: t });
      const indented = /^ {2}\S/.test(t);
      if (!indented) block = 'none';
      let m: RegExpExecArray | null;
      if (indented && block !== 'none') {
        if (block === 'fixed') {
          m = /^ {2}([0-9A-F]{5})-([0-9A-F]{5}) (\S+)$/.exec(t);
          if (m && MTRR_TYPES.includes(m[3]!)) d.mtrr.fixed.push({ start: hx(m[1]!), endIncl: hx(m[2]!), type: m[3]! });
          else bad(l.n, t, 'bad MTRR fixed-range line (expected "  XXXXX-XXXXX type")');
        } else if (block === 'variable') {
          if ((m = /^ {2}(\d+) disabled$/.exec(t))) d.mtrr.variable.push({ reg: Number(m[1]), base: null, size: null, type: null });
          else if ((m = /^ {2}(\d+) base ([0-9A-F]+) mask ([0-9A-F]+) (\S+)$/.exec(t)) && MTRR_TYPES.includes(m[4]!)) {
            const mask = BigInt('0x' + m[3]!);
            d.mtrr.variable.push({ reg: Number(m[1]), base: hx(m[2]!), size: Number(lowestBit(mask)), type: m[4]! });
          } else bad(l.n, t, 'bad MTRR variable-range line (expected "  N base X mask Y type" or "  N disabled")');
        } else if (block === 'map') {
          m = /^ {2}\s*(\d+): ([0-9a-f]{16})-([0-9a-f]{16}) (\S+)$/.exec(t);
          if (m && MTRR_TYPES.includes(m[4]!)) d.mtrr.map.push({ start: hx(m[2]!), endIncl: hx(m[3]!), type: m[4]! });
          else bad(l.n, t, 'bad MTRR map line (expected "  N: start-end type")');
        } else if (block === 'zones') {
          if ((m = /^ {2}(\w+)\s+\[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]$/.exec(t))) {
            d.zoneRanges!.push({ zone: m[1]!, start: hx(m[2]!), endIncl: hx(m[3]!) });
          } else if (!/^ {2}\w+\s+empty$/.test(t)) bad(l.n, t, 'bad zone range line (expected "  Zone [mem 0x...-0x...]" or "  Zone empty")');
        }
        continue;
      }
      if ((m = /^Linux version (\S+) /.exec(t))) d.banner = { release: m[1]!, text: t };
      else if (t.startsWith('Linux version')) bad(l.n, t, 'bad kernel banner (expected "Linux version RELEASE (...")');
      else if ((m = /^Command line: ?(.*)$/.exec(t))) d.commandLine = m[1]!;
      else if (t.startsWith('BIOS-e820:') || t.startsWith('user: [mem') || t.startsWith('extended: [mem')) {
        // e820__print_table(): "BIOS-e820" for the firmware's map, "extended" once SETUP_E820_EXT's entries joined it, "user" for the one mem=/memmap= made.
        m = /^(BIOS-e820|user|extended): \[mem 0x([0-9a-f]{16})-0x([0-9a-f]{16})\] (.+)$/.exec(t);
        const type = m ? e820TypeOf(m[4]!) : undefined;
        if (!m || type === undefined) bad(l.n, t, `bad e820 line (expected "BIOS-e820: [mem 0x%016x-0x%016x] TYPE", TYPE one of ${Object.keys(E820_TYPES).join(', ')}, persistent (type N), type N)`);
        else (m[1] === 'user' ? d.e820User : m[1] === 'extended' ? d.e820Extended : d.e820).push({ start: hx(m[2]!), end: hx(m[3]!) + 1, type, line: l.n });
      } else if (t.startsWith('x86/PAT:')) {
        d.patLines.push(t);
        if (t.startsWith('x86/PAT: Configuration')) {
          if (!/^x86\/PAT: Configuration \[0-7\]: ((WB|WC|UC-|UC|WT|WP) +){8}$/.test(t)) bad(l.n, t, 'bad PAT configuration line (expected 8 cache modes)');
          else d.patConfig = t;
        }
      } else if ((m = /^MTRR default type: (\S+)$/.exec(t))) d.mtrr.defType = m[1]!;
      else if ((m = /^MTRR fixed ranges (en|dis)abled:$/.exec(t))) {
        d.mtrr.fixedEnabled = m[1] === 'en';
        block = 'fixed';
      } else if ((m = /^MTRR variable ranges (en|dis)abled:$/.exec(t))) {
        d.mtrr.variableEnabled = m[1] === 'en';
        block = 'variable';
      } else if ((m = /^TOM2: ([0-9a-f]{16}) aka (\d+)M$/.exec(t))) d.mtrr.tom2 = hx(m[1]!);
      else if (t.startsWith('MTRR map:')) {
        m = /^MTRR map: \d+ entries \(\d+ fixed \+ \d+ variable; max \d+\), built from (\d+) variable MTRRs$/.exec(t);
        if (m) d.mtrr.mapBuiltFromVariable = Number(m[1]);
        else bad(l.n, t, 'bad MTRR map header');
        block = 'map';
      } else if (/^MTRR |^mtrr: /.test(t)) d.mtrr.notes.push(t);
      else if (t === 'Zone ranges:') {
        d.zoneRanges = [];
        d.zoneRangesLine = l.n;
        block = 'zones';
      } else if (t.startsWith('Memory: ')) {
        m = /^Memory: (\d+)K\/(\d+)K available/.exec(t);
        if (m) d.memory = { availableK: Number(m[1]), totalK: Number(m[2]), text: t };
        else bad(l.n, t, 'bad Memory: line (expected "Memory: NK/NK available ...")');
      } else if ((m = /^ACPI: ([A-Z0-9_]{4}) 0x([0-9A-F]{16}) ([0-9A-F]{6})(?: |$)/.exec(t))) {
        d.acpiTables.push({ sig: m[1]!, start: hx(m[2]!), length: hx(m[3]!) });
      } else if ((m = /^ACPI: HPET id: 0x[0-9a-f]+ base: 0x([0-9a-f]+)$/.exec(t))) d.hpetBase = hx(m[1]!);
      else if ((m = /^PCI: MMCONFIG for domain ([0-9a-f]{4}) \[bus ([0-9a-f]{2})-([0-9a-f]{2})\] at \[mem 0x[0-9a-f]+-0x[0-9a-f]+[^\]]*\] \(base 0x([0-9a-f]+)\)$/.exec(t))) {
        // arch/x86/pci/mmconfig-shared.c pci_mmconfig_add()
        d.mmconfig.push({ segment: parseInt(m[1]!, 16), startBus: parseInt(m[2]!, 16), endBus: parseInt(m[3]!, 16), base: hx(m[4]!) });
      } else if (t.startsWith('PCI: MMCONFIG for domain')) bad(l.n, t, 'bad MMCONFIG line (expected "PCI: MMCONFIG for domain %04x [bus %02x-%02x] at [mem ...] (base 0x...)")');
      else if ((m = /^PCI: ECAM \[mem 0x[0-9a-f]+-0x[0-9a-f]+[^\]]*\] \(base 0x([0-9a-f]+)\) for domain ([0-9a-f]{4}) \[bus ([0-9a-f]{2})-([0-9a-f]{2})\]$/.exec(t))) {
        // The same pci_mmconfig_add() line as Debian 6.12.118 words it (6.1.192 says MMCONFIG).
        d.mmconfig.push({ segment: parseInt(m[2]!, 16), startBus: parseInt(m[3]!, 16), endBus: parseInt(m[4]!, 16), base: hx(m[1]!) });
      } else if (/^PCI: ECAM \[mem [^\]]*\] \(base /.test(t)) bad(l.n, t, 'bad ECAM line (expected "PCI: ECAM [mem ...] (base 0x...) for domain %04x [bus %02x-%02x]")');
      else if (t === 'PCI: not using MMCONFIG' || t.startsWith('PCI: not using ECAM (')) d.mmconfig = []; // pci_mmcfg_reject_broken() / free_all_mmcfg()
      else if ((m = /^smp: Brought up \d+ nodes?, (\d+) CPUs?$/.exec(t))) d.cpus = Number(m[1]);
      else if ((m = /^smpboot: Allowing (\d+) CPUs/.exec(t))) d.cpus ??= Number(m[1]);
      else if ((m = /^(\d+)MB LOWMEM available\.$/.exec(t))) d.lowmemMiB = Number(m[1]);
      // dmi_setup()'s system line; later kernels (6.12.118, not 6.1.192) add "DMI: Memory slots populated: N/M", which is not it.
      else if ((m = /^DMI: (.*)$/.exec(t)) && !m[1]!.startsWith('Memory slots populated:')) d.dmi = m[1]!;
    } catch (e) {
      // A number the parser cannot hold exactly (mutated or corrupt): that line is bad, the rest is read.
      if (!(e instanceof TooBig)) throw e;
      bad(l.n, l.text, e.message);
    }
  }
  return { value: d, issues };
}
