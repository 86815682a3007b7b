/**
 * Boot shapes for `patlab probe --capture` and `--sweep` (docs/probe.md §5): a qemu machine
 * given by what qemu is told (kernel, `-m`, `-machine`, `-cpu`, `-smp`, kernel options), not
 * by what the firmware then reports. The sweep file (`probe/boot-sweep.yaml`) lists shapes:
 *
 * ```yaml
 * shapes:
 *   - { name: amd64-2g-q35-max-smp2, kernel: 6.1-amd64, memory: 2G, machine: q35, cpu: max, smp: 2 }
 *   - { name: amd64-1g-nopat, kernel: 6.1-amd64, memory: 1G, options: [nopat] }
 * ```
 *
 * Defaults: `machine: pc`, `cpu: qemu64` (x86-64) / `max` (686-pae: qemu32 is the P6 whose PAT
 * the kernel clears), `smp: 1`, no options. Errors are positioned.
 */

import type { Node } from 'yaml';
import { parseNumber } from '../numbers.js';
import { YamlSource } from '../yaml/source.js';
import { PROBE_KERNELS, type ProbeKernel, type QemuShape } from './harness.js';

export interface BootShape {
  name: string;
  kernel: ProbeKernel;
  memMiB: number;
  machine: 'pc' | 'q35';
  /** qemu `-cpu` argument: a model with optional `,+flag`/`,-flag`. */
  cpu: string;
  smp: number;
  /** Kernel command-line options after the probe's own. */
  options: string[];
}

const SHAPE_KEYS = ['name', 'kernel', 'memory', 'machine', 'cpu', 'smp', 'options'] as const;
/** Options that change what the boot decides and that the importer reads from cmdline.txt. */
const OPTION = /^(nopat|nogbpages|debugpat|mtrr\.debug|debug_pagealloc=on|mem=\d+[KMG])$/;
const CPU = /^[A-Za-z][\w.-]*(,[+-][\w.-]+)*$/;
const MiB = 1024 * 1024;

/** What qemu under TCG here can boot: the limits docs/probe.md §5 gives and why. */
function memLimit(kernel: ProbeKernel): { min: number; max: number } {
  // 32-bit with RAM above 4 GiB hangs under TCG (../shared/qemu/README.md); 16 GiB is one CI boot's share.
  return kernel === '6.1-686-pae' ? { min: 128, max: 3072 } : { min: 128, max: 16384 };
}

export function parseBootShapes(text: string, file: string): BootShape[] {
  const src = new YamlSource(file, text);
  const root = src.map(src.doc.contents as Node, 'a boot sweep');
  const top = src.pairs(root, ['description', 'shapes'], 'the boot sweep');
  const list = top.get('shapes')?.value as Node | undefined;
  if (!list) src.fail(root, "missing 'shapes': expected a list of boot shapes");
  const out: BootShape[] = [];
  const names = new Set<string>();
  for (const item of src.seq(list, "'shapes'").items) {
    const m = src.map(item, 'a boot shape');
    const p = src.pairs(m, SHAPE_KEYS, 'a boot shape');
    const val = (k: string): Node | undefined => p.get(k)?.value as Node | undefined;
    const need = (k: string, what: string): Node => val(k) ?? src.fail(m, `missing '${k}': expected ${what}`);
    const name = src.str(need('name', 'a name'), 'a name');
    if (!/^[\w.-]+$/.test(name)) src.fail(val('name'), `bad name '${name}': expected letters, digits, '.', '_' or '-' (it names a folder)`);
    if (names.has(name)) src.fail(val('name'), `name '${name}' is used twice`);
    names.add(name);
    const kernel = src.str(need('kernel', `one of ${PROBE_KERNELS.join(', ')}`), 'a kernel');
    if (!(PROBE_KERNELS as readonly string[]).includes(kernel)) src.fail(val('kernel'), `unknown kernel '${kernel}': expected one of ${PROBE_KERNELS.join(', ')}`);
    const k = kernel as ProbeKernel;
    const memNode = need('memory', 'the RAM qemu gives (-m), e.g. 2G or 512M');
    const n = parseNumber(src.scalar(memNode, 'a size'));
    const lim = memLimit(k);
    // A bare number is MiB, as qemu's -m reads it.
    const bytes = n.ok ? (typeof src.scalar(memNode, 'a size') === 'number' ? n.value * MiB : n.value) : -1;
    if (bytes <= 0 || bytes % MiB !== 0) src.fail(memNode, 'expected a size in whole MiB, e.g. 2G, 512M or 2048');
    const memMiB = bytes / MiB;
    if (memMiB < lim.min || memMiB > lim.max) src.fail(memNode, `memory ${memMiB} MiB out of range for ${k} under qemu here: expected ${lim.min} to ${lim.max} MiB`);
    const machine = val('machine') ? src.str(val('machine'), 'pc or q35') : 'pc';
    if (machine !== 'pc' && machine !== 'q35') src.fail(val('machine'), `unknown machine '${machine}': expected pc or q35`);
    const cpu = val('cpu') ? src.str(val('cpu'), 'a qemu CPU model') : k === '6.1-686-pae' ? 'max' : 'qemu64';
    if (!CPU.test(cpu)) src.fail(val('cpu'), `bad cpu '${cpu}': expected a qemu model with optional ,+flag/,-flag, e.g. qemu64,+pdpe1gb`);
    let smp = 1;
    if (val('smp')) {
      const s = src.scalar(val('smp'), 'a CPU count');
      if (typeof s !== 'number' || !Number.isInteger(s) || s < 1 || s > 4) src.fail(val('smp'), 'expected a CPU count from 1 to 4');
      smp = s as number;
    }
    const options: string[] = [];
    if (val('options')) {
      for (const o of src.seq(val('options'), "'options'").items) {
        const s = src.str(o, 'a kernel option');
        if (!OPTION.test(s)) src.fail(o, `unsupported kernel option '${s}': expected nopat, nogbpages, debugpat, mtrr.debug, debug_pagealloc=on or mem=SIZE`);
        options.push(s);
      }
    }
    out.push({ name, kernel: k, memMiB, machine: machine as BootShape['machine'], cpu, smp, options });
  }
  if (out.length === 0) src.fail(list, 'expected at least one boot shape');
  return out;
}

/** The qemu arguments of a boot shape (the probe's own options first, docs/decisions.md P6). */
export function shapeQemu(s: BootShape): QemuShape {
  const append = ['console=ttyS0', 'panic=-1', 'loglevel=7', 'nokaslr', 'no_hash_pointers', ...s.options];
  return { args: ['-accel', 'tcg', '-machine', s.machine, '-m', String(s.memMiB), '-cpu', s.cpu, '-smp', String(s.smp), '-nographic', '-no-reboot'], append: append.join(' '), notes: [] };
}
