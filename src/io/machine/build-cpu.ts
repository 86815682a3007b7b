/**
 * The `cpu:` block (spec/07 (b) 13): vendor/family/model, the CPUID flags the
 * model reads, MAXPHYADDR, CPU count and CLFLUSH size.
 */

import type { Arch, CpuSpec } from '../../kernel/machine.js';
import { type BuildContext, type Raw, sub } from './build-context.js';
import { pointerJoin } from './yaml-located.js';

/** CpuSpec boolean fields and the cpuinfo flag names that set them. */
const FLAGS: { field: keyof CpuSpec & string; key: string; names: string[] }[] = [
  { field: 'pat', key: 'pat', names: ['pat'] },
  { field: 'pse', key: 'pse', names: ['pse'] },
  { field: 'gbpages', key: 'gbpages', names: ['pdpe1gb', 'gbpages'] },
  { field: 'clflush', key: 'clflush', names: ['clflush'] },
  { field: 'selfSnoop', key: 'self_snoop', names: ['ss', 'self_snoop'] },
  { field: 'mtrr', key: 'mtrr', names: ['mtrr'] },
  { field: 'hypervisor', key: 'hypervisor', names: ['hypervisor'] },
];

/** Default MAXPHYADDR: 46 on x86-64 (FORMAT's value), 36 with PAE, 32 without. */
export function defaultPhysBits(arch: Arch): number {
  return arch === 'x86-64' ? 46 : arch === 'x86-32-pae' ? 36 : 32;
}

/**
 * Defaults: GenuineIntel family 6 model 0x9E, PAT, PSE, CLFLUSH and self-snoop
 * present, GB pages on x86-64 only, MTRRs iff the file has an `mtrr:` block,
 * not under a hypervisor, one CPU, 64-byte CLFLUSH lines.
 */
export function buildCpu(c: BuildContext, raw: Raw, arch: Arch): CpuSpec {
  const o = sub(raw, 'cpu') ?? {};
  const hasMtrrBlock = raw['mtrr'] !== undefined && raw['mtrr'] !== null;
  const cpu: CpuSpec = {
    vendor: (o['vendor'] as string | undefined) ?? 'GenuineIntel',
    family: c.optNum(o, 'family', '/cpu') ?? 6,
    model: c.optNum(o, 'model', '/cpu') ?? 0x9e,
    pat: true,
    pse: true,
    gbpages: arch === 'x86-64',
    clflush: true,
    selfSnoop: true,
    mtrr: hasMtrrBlock,
    physAddrBits: c.optNum(o, 'phys_addr_bits', '/cpu') ?? defaultPhysBits(arch),
    nCpus: c.optNum(o, 'cpus', '/cpu') ?? 1,
    clflushLineSize: c.optNum(o, 'clflush_size', '/cpu') ?? 64,
    hypervisor: false,
  };
  const features = Array.isArray(o['features']) ? (o['features'] as string[]) : undefined;
  for (const f of FLAGS) {
    const explicit = o[f.key];
    if (features !== undefined) {
      const inList = f.names.some((n) => features.includes(n));
      if (explicit !== undefined && explicit !== inList) {
        c.fail(pointerJoin('/cpu', f.key), `cpu.${f.key}: ${String(explicit)} contradicts cpu.features (${inList ? 'listed' : 'not listed'})`);
      }
      (cpu as unknown as Record<string, unknown>)[f.field] = inList;
    }
    if (explicit !== undefined) (cpu as unknown as Record<string, unknown>)[f.field] = explicit;
  }
  const where = (key: string): string => (o[key] !== undefined || features === undefined ? pointerJoin('/cpu', key) : '/cpu/features');
  if (cpu.family > 0xff) c.fail('/cpu/family', `cpu.family: ${cpu.family} is above 0xff`);
  if (cpu.model > 0xff) c.fail('/cpu/model', `cpu.model: ${cpu.model} is above 0xff`);
  if (cpu.physAddrBits < 32 || cpu.physAddrBits > 52) c.fail('/cpu/phys_addr_bits', `cpu.phys_addr_bits: ${cpu.physAddrBits} is not in 32..52`);
  if (cpu.nCpus < 1 || cpu.nCpus > 8192) c.fail('/cpu/cpus', `cpu.cpus: ${cpu.nCpus} is not in 1..8192 (NR_CPUS)`);
  if (cpu.clflushLineSize < 8 || !Number.isInteger(Math.log2(cpu.clflushLineSize))) {
    c.fail('/cpu/clflush_size', `cpu.clflush_size: ${cpu.clflushLineSize} is not a power of two >= 8`);
  }
  if (cpu.gbpages && arch !== 'x86-64') {
    c.fail(where('gbpages'), `cpu.gbpages: 1 GiB pages are x86-64 only (a ${arch} kernel never maps with them): expected gbpages false`);
  }
  if (cpu.mtrr && !hasMtrrBlock) c.fail(where('mtrr'), `cpu.mtrr: the CPU has MTRRs but the file has no 'mtrr:' block with their registers`);
  if (!cpu.mtrr && hasMtrrBlock) c.fail('/mtrr', `mtrr: registers given but cpu.mtrr is false (a CPU without MTRRs): expected 'mtrr: null'`);
  return cpu;
}
