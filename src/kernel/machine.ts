/**
 * A machine as the kernel sees it at boot: architecture, CPU, firmware PAT
 * value, MTRR registers, the e820 map, iomem resources, zones, kernel config,
 * boot options and the kernel version (spec/07 D1, (b) 2, 9, 13).
 *
 * This is the validated, typed form. The YAML machine file, its JSON Schema,
 * the built-in presets and the capture importers (src/io) all produce it; the
 * kernel model only ever reads it. Physical addresses are JS numbers (below
 * 2^52, exact in a double); ranges are half-open `[start, end)`.
 */

import type { KernelVersionName } from './version.js';

export type Arch = 'x86-64' | 'x86-32-pae' | 'x86-32';

export interface CpuSpec {
  /** CPUID vendor, e.g. `GenuineIntel`, `AuthenticAMD`. */
  vendor: string;
  family: number;
  model: number;
  /** CPUID feature flags the model reads. */
  pat: boolean;
  pse: boolean;
  /** 1 GiB pages (pdpe1gb). */
  gbpages: boolean;
  clflush: boolean;
  /** The CPU snoops its own caches on a memory-type change (ss). */
  selfSnoop: boolean;
  /** Has MTRRs (CPUID mtrr). */
  mtrr: boolean;
  /** MAXPHYADDR. */
  physAddrBits: number;
  /** CPUs online: IPI rounds and flushes fan out to all of them. */
  nCpus: number;
  /** CLFLUSH line size in bytes (64 on current CPUs). */
  clflushLineSize: number;
  /**
   * Running under a hypervisor (CPUID hypervisor bit, X86_FEATURE_HYPERVISOR).
   * Absent = false. Linux 6.1's `init_cache_modes()` then reports PAT enabled
   * when the MTRR path skipped PAT init (docs/kernel-versions.md §6).
   */
  hypervisor?: boolean;
}

/** One variable-range MTRR, `[base, base + size)`, valid. */
export interface MtrrVarSpec {
  base: number;
  size: number;
  /** MTRR type encoding: 0 UC, 1 WC, 4 WT, 5 WP, 6 WB. */
  type: number;
}

/** The MTRR MSRs as firmware left them. */
export interface MtrrSpec {
  /** MTRRdefType.E */
  enabled: boolean;
  /** MTRRdefType.FE */
  fixedEnabled: boolean;
  defType: number;
  /** 88 fixed-range types in Linux's flat order. */
  fixed: number[];
  /** Valid variable ranges in register order. */
  variable: MtrrVarSpec[];
  /** MTRRcap.VCNT: number of variable-range registers. */
  vcnt: number;
  /** AMD TOP_MEM2 (already masked), 0 when absent. */
  tom2: number;
}

export type E820Type = 'usable' | 'reserved' | 'ACPI data' | 'ACPI NVS' | 'unusable' | 'persistent';

export interface E820Entry {
  start: number;
  /** Exclusive. */
  end: number;
  type: E820Type;
}

/** A node of /proc/iomem (PCI BARs, System RAM, Reserved, ...). */
export interface IomemResource {
  start: number;
  /** Exclusive. */
  end: number;
  name: string;
  /** IORESOURCE_PREFETCH (a PCI BAR that may be mapped WC). */
  prefetchable?: boolean;
  /** IORESOURCE_EXCLUSIVE (no /dev/mem access even without STRICT_DEVMEM). */
  exclusive?: boolean;
  children?: IomemResource[];
}

export interface KernelConfig {
  /** CONFIG_X86_PAT */
  x86Pat: boolean;
  /** CONFIG_HIGHMEM (x86-32 only). */
  highmem: boolean;
  /** CONFIG_STRICT_DEVMEM */
  strictDevmem: boolean;
  /** CONFIG_X86_CPA_STATISTICS */
  cpaStatistics: boolean;
  /** CONFIG_DEBUG_FS (pat_memtype_list exists). */
  debugFs: boolean;
  /** CONFIG_DEBUG_VIRTUAL (__pa of a non-linear address BUGs). */
  debugVirtual: boolean;
  /** CONFIG_BPF_JIT_DEFAULT_ON: the boot-time BPF filter is JIT-compiled (x86-64 default; kernel/setup/bpf-jit.ts). */
  bpfJitDefaultOn: boolean;
  /** CONFIG_NODES_SHIFT, 0 without CONFIG_NUMA: sizes the kernel's e820 table (E820_MAX_ENTRIES, kernel/setup/e820-table.ts). Debian: 10 on amd64, 0 (no NUMA) on 686-pae. */
  nodesShift: number;
}

export interface BootOptions {
  nopat: boolean;
  debugpat: boolean;
  nogbpages: boolean;
  debugPagealloc: boolean;
  mtrrDebug: boolean;
}

/** Deterministic scattering of free memory at boot (spec/07 (b) 8). */
export interface Fragmentation {
  /** 0 = pages are handed out in ascending order; 1 = fully scattered. */
  level: number;
  seed: number;
}

/** One ACPI table as the firmware placed it (dmesg `ACPI: SIG 0xADDR LEN ...`). */
export interface AcpiTableSpec {
  /** Signature as printed: FACP, DSDT, FACS, APIC, HPET, ... */
  sig: string;
  start: number;
  length: number;
}

/** A SystemMemory OperationRegion that the firmware's AML reads during boot. */
export interface AcpiMemRegionSpec {
  start: number;
  length: number;
  /** Who declares it, for humans (e.g. `HPET._STA (QEMU DSDT)`). */
  name: string;
}

/**
 * What the firmware describes beyond e820 and iomem that makes the kernel
 * map device or firmware memory at boot (src/kernel/setup/boot-reservations.ts
 * turns it into the boot-time memtype reservations). Absent: none.
 */
export interface FirmwareSpec {
  acpiTables: AcpiTableSpec[];
  /** HPET base address from the ACPI HPET table; null when there is none. */
  hpet: number | null;
  acpiMemRegions: AcpiMemRegionSpec[];
  /** PCI ECAM windows the kernel uses (ACPI MCFG; QEMU q35): x86-64 ioremaps each at boot. */
  mmconfig: MmconfigSpec[];
}

/** One MMCONFIG (ECAM) region: `pci_mmconfig_add(segment, start_bus, end_bus, base)`. */
export interface MmconfigSpec {
  segment: number;
  startBus: number;
  endBus: number;
  /** Physical address of bus 0's configuration space (`cfg->address`). */
  base: number;
}

export interface MachineSpec {
  name: string;
  /** One sentence for humans. */
  description?: string;
  arch: Arch;
  cpu: CpuSpec;
  /** IA32_PAT as firmware left it (normally the reset value 0x0007040600070406). */
  firmwarePat: bigint;
  /** null: the CPU has no MTRRs. */
  mtrr: MtrrSpec | null;
  e820: E820Entry[];
  /** Non-RAM iomem resources (PCI BARs, ...). System RAM is derived from e820. */
  iomem: IomemResource[];
  /**
   * x86-32: one past the last lowmem pfn (end of the direct map). Derived from
   * the 3G/1G split when absent. Ignored on x86-64.
   */
  maxLowPfn?: number;
  config: KernelConfig;
  boot: BootOptions;
  kernel: KernelVersionName;
  fragmentation: Fragmentation;
  /** Physical range of the kernel image `[_text, _brk_end)` (x86-64 high-map alias). */
  kernelImage: { start: number; end: number };
  /** ACPI tables, HPET and AML memory regions (boot-time memtype reservations); absent = none. */
  firmware?: FirmwareSpec;
}

