/**
 * A schema-valid raw machine (after preset merging) → {@link MachineSpec}:
 * defaults for everything omitted and the checks that need arithmetic
 * (spec/07 D1, (b) 2, 9, 13).
 *
 * Defaults: `kernel` mainline; `firmware_pat` the reset value
 * 0x0007040600070406; `mtrr` none (a CPU without MTRRs); `iomem` empty;
 * `config` x86_pat, strict_devmem and debug_fs on, highmem on for x86-32,
 * cpa_statistics and debug_virtual off (Debian's configs); `boot` no options;
 * `fragmentation` level 0 seed 1; x86-32 `max_low_pfn` by the kernel's
 * `find_low_pfn_range()` (src/kernel/setup/lowmem.ts: MAXMEM from the 3G/1G
 * split minus the 128 MiB vmalloc reserve); `kernel_image` 16 MiB
 * (CONFIG_PHYSICAL_START) long 52 MiB on x86-64 (Debian 6.1's image) or 16 MiB
 * on x86-32. CPU defaults are in build-cpu.ts, MTRR defaults in build-mtrr.ts.
 */

import { MT } from '../../hw/cache-mode.js';
import { formatPatMsr, PAT_RESET, patEntry } from '../../hw/pat-msr.js';
import type { Arch, BootOptions, FirmwareSpec, KernelConfig, MachineSpec } from '../../kernel/machine.js';
import { endOfRamPfn, findLowPfnRange, maxmem, PAGE_SIZE } from '../../kernel/setup/lowmem.js';
import type { KernelVersionName } from '../../kernel/version.js';
import { type BuildContext, list, type Raw, sub } from './build-context.js';
import { buildCpu } from './build-cpu.js';
import { buildMtrr } from './build-mtrr.js';
import { buildE820, buildIomem, readRange } from './build-ranges.js';
import { parseBigNumber } from '../numbers.js';
import { hex } from '../../hw/hex.js';

/** Where the kernel image sits when the file does not say (no KASLR). */
export const DEFAULT_KERNEL_START = 0x1000000;
export function defaultKernelSize(arch: Arch): number {
  return arch === 'x86-64' ? 0x3400000 : 0x1000000;
}

/**
 * IA32_PAT from the file, refusing values the firmware cannot have written
 * (reserved bits or encodings 2/3: WRMSR #GPs) and layouts Linux cannot build
 * tables from (PA0 not WB: BUG in `update_cache_mode_entry`, spec 02 §3.1).
 * 0 is allowed: Linux treats it as "PAT disabled by the firmware".
 */
function buildFirmwarePat(c: BuildContext, raw: Raw): bigint {
  const v = raw['firmware_pat'];
  if (v === undefined) return PAT_RESET;
  const pat = typeof v === 'number' ? BigInt(v) : parseBigNumber(v as string)!;
  if (typeof v === 'number' && !Number.isSafeInteger(v)) c.fail('/firmware_pat', `firmware_pat: ${v} is not exact: write it as a hex string`);
  for (let i = 0; i < 8; i++) {
    const byte = Number((pat >> BigInt(8 * i)) & 0xffn);
    if (byte > 7 || byte === 2 || byte === 3) {
      c.fail('/firmware_pat', `firmware_pat: PA${i} = 0x${byte.toString(16)} is reserved (WRMSR would #GP): expected 0, 1, 4, 5, 6 or 7 in each byte`);
    }
  }
  if (pat !== 0n && patEntry(pat, 0).type !== MT.WB) {
    c.fail('/firmware_pat', `firmware_pat: PA0 of ${formatPatMsr(pat)} is not WB: Linux BUGs building its tables from it (update_cache_mode_entry): expected slot 0 = 6 (WB)`);
  }
  return pat;
}

function buildConfig(c: BuildContext, raw: Raw, arch: Arch): KernelConfig {
  const o = sub(raw, 'config') ?? {};
  const b = (k: string, d: boolean): boolean => (o[k] as boolean | undefined) ?? d;
  const cfg: KernelConfig = {
    x86Pat: b('x86_pat', true),
    highmem: b('highmem', arch !== 'x86-64'),
    strictDevmem: b('strict_devmem', true),
    cpaStatistics: b('cpa_statistics', false),
    debugFs: b('debug_fs', true),
    debugVirtual: b('debug_virtual', false),
    bpfJitDefaultOn: b('bpf_jit_default_on', arch === 'x86-64'),
    nodesShift: (o['nodes_shift'] as number | undefined) ?? (arch === 'x86-64' ? 10 : 0),
  };
  if (cfg.highmem && arch === 'x86-64') c.fail('/config/highmem', 'config.highmem: CONFIG_HIGHMEM exists only on x86-32');
  return cfg;
}

function buildBoot(raw: Raw): BootOptions {
  const opts = new Set(list(raw, 'boot') as unknown as string[]);
  return {
    nopat: opts.has('nopat'),
    debugpat: opts.has('debugpat'),
    nogbpages: opts.has('nogbpages'),
    debugPagealloc: opts.has('debug_pagealloc'),
    mtrrDebug: opts.has('mtrr=debug'),
  };
}

function inUsableRam(m: Pick<MachineSpec, 'e820'>, start: number, end: number): boolean {
  return m.e820.some((e) => e.type === 'usable' && e.start <= start && end <= e.end);
}

/** x86-32 `max_low_pfn` (from `max_low_pfn` or `lowmem`, else derived); undefined on x86-64. */
function buildMaxLowPfn(c: BuildContext, raw: Raw, m: Pick<MachineSpec, 'arch' | 'e820' | 'config'>): number | undefined {
  const hasPfn = raw['max_low_pfn'] !== undefined;
  const hasBytes = raw['lowmem'] !== undefined;
  const key = hasPfn ? '/max_low_pfn' : '/lowmem';
  if (m.arch === 'x86-64') {
    if (hasPfn || hasBytes) c.fail(key, `${key.slice(1)}: x86-64 has no lowmem limit (the direct map covers all RAM)`, 'key');
    return undefined;
  }
  if (hasPfn && hasBytes) c.fail('/lowmem', 'lowmem: give either max_low_pfn or lowmem, not both', 'key');
  const maxPfn = endOfRamPfn(m.e820, m.arch);
  if (!hasPfn && !hasBytes) return findLowPfnRange(maxPfn, m.arch, m.config.highmem);
  let pfn: number;
  if (hasPfn) pfn = c.num(raw, 'max_low_pfn', '');
  else {
    const bytes = c.num(raw, 'lowmem', '');
    if (bytes % PAGE_SIZE !== 0) c.fail('/lowmem', `lowmem: ${hex(bytes)} is not page aligned`);
    pfn = bytes / PAGE_SIZE;
  }
  const maxmemPfn = Math.floor(maxmem(m.arch, m.config.highmem) / PAGE_SIZE);
  if (pfn > maxmemPfn) c.fail(key, `${key.slice(1)}: lowmem end ${hex(pfn * PAGE_SIZE)} is above MAXMEM ${hex(maxmemPfn * PAGE_SIZE)} (3G/1G split minus the vmalloc reserve)`);
  if (pfn > maxPfn) c.fail(key, `${key.slice(1)}: lowmem end ${hex(pfn * PAGE_SIZE)} is above the end of RAM ${hex(maxPfn * PAGE_SIZE)}`);
  return pfn;
}

function buildKernelImage(c: BuildContext, raw: Raw, m: Pick<MachineSpec, 'arch' | 'e820' | 'cpu' | 'maxLowPfn'>): { start: number; end: number } {
  const o = sub(raw, 'kernel_image');
  const img = o
    ? readRange(c, o, '/kernel_image', m.arch, m.cpu.physAddrBits)
    : { start: DEFAULT_KERNEL_START, end: DEFAULT_KERNEL_START + defaultKernelSize(m.arch) };
  const ptr = o ? '/kernel_image' : '/e820';
  const what = o ? 'kernel_image' : `the default kernel_image [${hex(img.start)}, ${hex(img.end)})`;
  if (!inUsableRam(m, img.start, img.end)) c.fail(ptr, `${what} is not inside one usable e820 range${o ? '' : ': give kernel_image'}`, 'key');
  if (m.maxLowPfn !== undefined && img.end > m.maxLowPfn * PAGE_SIZE) c.fail(ptr, `${what} is not below the end of lowmem ${hex(m.maxLowPfn * PAGE_SIZE)}`, 'key');
  return img;
}

/** The `firmware:` block (absent: undefined, the kernel then reserves nothing at boot for firmware). */
function buildFirmware(c: BuildContext, raw: Raw): FirmwareSpec | undefined {
  const o = sub(raw, 'firmware');
  if (o === undefined) return undefined;
  const acpiTables = list(o, 'acpi_tables').map((t, i) => {
    const ptr = `/firmware/acpi_tables/${i}`;
    return { sig: t['sig'] as string, start: c.num(t, 'start', ptr), length: c.num(t, 'length', ptr) };
  });
  const acpiMemRegions = list(o, 'acpi_memory_regions').map((t, i) => {
    const ptr = `/firmware/acpi_memory_regions/${i}`;
    return { start: c.num(t, 'start', ptr), length: c.num(t, 'length', ptr), name: t['name'] as string };
  });
  const hpet = o['hpet'] === undefined || o['hpet'] === null ? null : c.num(o, 'hpet', '/firmware');
  const mmconfig = list(o, 'mmconfig').map((t, i) => {
    const ptr = `/firmware/mmconfig/${i}`;
    const cfg = { segment: c.optNum(t, 'segment', ptr) ?? 0, startBus: c.num(t, 'start_bus', ptr), endBus: c.num(t, 'end_bus', ptr), base: c.num(t, 'base', ptr) };
    if (cfg.segment > 0xffff) c.fail(`${ptr}/segment`, `firmware.mmconfig: segment ${cfg.segment} is above 0xffff`);
    if (cfg.startBus > 0xff) c.fail(`${ptr}/start_bus`, `firmware.mmconfig: start_bus ${cfg.startBus} is above 0xff`);
    if (cfg.endBus > 0xff) c.fail(`${ptr}/end_bus`, `firmware.mmconfig: end_bus ${cfg.endBus} is above 0xff`);
    if (cfg.endBus < cfg.startBus) c.fail(`${ptr}/end_bus`, `firmware.mmconfig: end_bus ${cfg.endBus} is below start_bus ${cfg.startBus}`);
    return cfg;
  });
  return { acpiTables, hpet, acpiMemRegions, mmconfig };
}

/** Build the typed machine; `name` is used when the file gives none. */
export function buildMachine(c: BuildContext, raw: Raw, defaultName: string): MachineSpec {
  const arch = raw['arch'] as Arch;
  const cpu = buildCpu(c, raw, arch);
  const mtrrRaw = sub(raw, 'mtrr');
  const mtrr = cpu.mtrr && mtrrRaw ? buildMtrr(c, mtrrRaw, cpu.physAddrBits, cpu.vendor) : null;
  const e820 = buildE820(c, raw, arch, cpu.physAddrBits);
  if (!e820.some((e) => e.type === 'usable')) c.fail('/e820', 'e820: no usable range: expected at least one entry of type usable', 'key');
  const config = buildConfig(c, raw, arch);
  const maxLowPfn = buildMaxLowPfn(c, raw, { arch, e820, config });
  const frag = sub(raw, 'fragmentation') ?? {};
  const seed = c.optNum(frag, 'seed', '/fragmentation') ?? 1;
  if (seed > 0xffffffff) c.fail('/fragmentation/seed', 'fragmentation.seed: expected a 32-bit value');
  const spec: MachineSpec = {
    name: (raw['name'] as string | undefined) ?? defaultName,
    arch,
    cpu,
    firmwarePat: buildFirmwarePat(c, raw),
    mtrr,
    e820,
    iomem: buildIomem(c, raw, arch, cpu.physAddrBits),
    config,
    boot: buildBoot(raw),
    kernel: ((raw['kernel'] as string | undefined) ?? 'mainline') as KernelVersionName,
    fragmentation: { level: (frag['level'] as number | undefined) ?? 0, seed },
    kernelImage: { start: 0, end: 0 },
  };
  if (raw['description'] !== undefined) spec.description = raw['description'] as string;
  if (maxLowPfn !== undefined) spec.maxLowPfn = maxLowPfn;
  spec.kernelImage = buildKernelImage(c, raw, spec);
  const firmware = buildFirmware(c, raw);
  if (firmware !== undefined) spec.firmware = firmware;
  return spec;
}
