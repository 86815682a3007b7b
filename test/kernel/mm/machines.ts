/**
 * MachineSpec objects for the mm tests, modelled on the QEMU captures
 * (../shared/captures/*: e820 maps, CPU features, kernel image placement).
 */

import type { E820Entry, MachineSpec, MtrrSpec } from '../../../src/kernel/machine.js';

const MiB = 1 << 20;
const GiB = 2 ** 30;

/** SeaBIOS-style low e820 entries of the captures. */
function lowE820(): E820Entry[] {
  return [
    { start: 0, end: 0x9fc00, type: 'usable' },
    { start: 0x9fc00, end: 0xa0000, type: 'reserved' },
    { start: 0xf0000, end: 0x100000, type: 'reserved' },
  ];
}

/** Fixed MTRRs WB except the VGA hole (UC), default WB, one UC variable range over the PCI hole. */
function qemuMtrr(): MtrrSpec {
  const fixed: number[] = [];
  for (let i = 0; i < 88; i++) fixed.push(i >= 8 && i < 16 ? 0 : 6);
  return { enabled: true, fixedEnabled: true, defType: 6, fixed, variable: [{ base: 0x80000000, size: 0x80000000, type: 0 }], vcnt: 8, tom2: 0 };
}

export interface MachineOpts {
  name?: string;
  arch?: MachineSpec['arch'];
  /** RAM above 1 MiB: usable ranges `[start, end)` in bytes. */
  ram: { start: number; end: number }[];
  gbpages?: boolean;
  pse?: boolean;
  nCpus?: number;
  clflush?: boolean;
  nopat?: boolean;
  nogbpages?: boolean;
  debugPagealloc?: boolean;
  cpaStatistics?: boolean;
  debugVirtual?: boolean;
  bpfJitDefaultOn?: boolean;
  highmem?: boolean;
  kernel?: MachineSpec['kernel'];
  fragmentation?: { level: number; seed: number };
  kernelImage?: { start: number; end: number };
}

export function mkMachine(o: MachineOpts): MachineSpec {
  const arch = o.arch ?? 'x86-64';
  const e820: E820Entry[] = [...lowE820()];
  for (const r of o.ram) e820.push({ start: r.start, end: r.end, type: 'usable' });
  e820.push({ start: 0xfffc0000, end: 0x100000000, type: 'reserved' });
  e820.sort((a, b) => a.start - b.start);
  return {
    name: o.name ?? 'test',
    arch,
    cpu: {
      vendor: 'GenuineIntel',
      family: 6,
      model: 0x55,
      pat: true,
      pse: o.pse ?? true,
      gbpages: o.gbpages ?? false,
      clflush: o.clflush ?? true,
      selfSnoop: true,
      mtrr: true,
      physAddrBits: arch === 'x86-64' ? 40 : 36,
      nCpus: o.nCpus ?? 1,
      clflushLineSize: 64,
    },
    firmwarePat: 0x0007040600070406n,
    mtrr: qemuMtrr(),
    e820,
    iomem: [],
    config: {
      x86Pat: true,
      highmem: o.highmem ?? arch !== 'x86-64',
      strictDevmem: true,
      cpaStatistics: o.cpaStatistics ?? false,
      debugFs: true,
      debugVirtual: o.debugVirtual ?? false,
      bpfJitDefaultOn: o.bpfJitDefaultOn ?? arch === 'x86-64',
      nodesShift: arch === 'x86-64' ? 10 : 0,
    },
    boot: { nopat: o.nopat ?? false, debugpat: false, nogbpages: o.nogbpages ?? false, debugPagealloc: o.debugPagealloc ?? false, mtrrDebug: false },
    kernel: o.kernel ?? 'mainline',
    fragmentation: o.fragmentation ?? { level: 0, seed: 1 },
    kernelImage: o.kernelImage ?? { start: 16 * MiB, end: 16 * MiB + 0x1c00000 + 0x12345 },
  };
}

/** amd64-1g-default: 1 GiB, qemu64 (no GB pages), Debian 6.1 kernel image at 0x38000000. */
export function amd64_1g(extra: Partial<MachineOpts> = {}): MachineSpec {
  return mkMachine({ name: 'amd64-1g', ram: [{ start: MiB, end: 0x3ffe0000 }], kernelImage: { start: 0x38000000, end: 0x3b400000 }, kernel: '6.1', ...extra });
}

/** amd64-4g-cpumax-smp2: 4 GiB (1 GiB above 4 GiB), -cpu max (GB pages), 2 CPUs. */
export function amd64_4g(extra: Partial<MachineOpts> = {}): MachineSpec {
  return mkMachine({
    name: 'amd64-4g',
    ram: [
      { start: MiB, end: 0xbffe0000 },
      { start: 4 * GiB, end: 5 * GiB },
    ],
    gbpages: true,
    nCpus: 2,
    kernel: '6.1',
    ...extra,
  });
}

/** i386pae-2g-cpumax: 32-bit PAE, 2 GiB, highmem above 0x36ffe000. */
export function i386pae_2g(extra: Partial<MachineOpts> = {}): MachineSpec {
  return mkMachine({ name: 'i386pae-2g', arch: 'x86-32-pae', ram: [{ start: MiB, end: 0x7ffe0000 }], kernel: '6.1', kernelImage: { start: 16 * MiB, end: 16 * MiB + 0x1000000 }, ...extra });
}

/** A 64 GiB x86-64 machine (16 M pages) with GB pages and 8 CPUs. */
export function amd64_64g(extra: Partial<MachineOpts> = {}): MachineSpec {
  return mkMachine({
    name: 'amd64-64g',
    ram: [
      { start: MiB, end: 0xc0000000 },
      { start: 4 * GiB, end: 4 * GiB + 61 * GiB },
    ],
    gbpages: true,
    nCpus: 8,
    ...extra,
  });
}

/** A small x86-64 machine (256 MiB) for property tests. */
export function amd64_small(extra: Partial<MachineOpts> = {}): MachineSpec {
  return mkMachine({ name: 'amd64-256m', ram: [{ start: MiB, end: 256 * MiB }], kernelImage: { start: 16 * MiB, end: 16 * MiB + 0x1812345 }, ...extra });
}
