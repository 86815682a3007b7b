/**
 * Built-in machines, as YAML text in the machine-file language so that they
 * go through the same loader and checks as user files (load-machine.ts
 * `loadPreset`, `preset: NAME`). Data only: this module imports nothing.
 *
 * The two `debian-6.1-*-qemu` machines reproduce ../shared/captures (QEMU 7.2
 * TCG, `pc` machine, SeaBIOS 1.16.2): e820 from dmesg's BIOS-e820 lines, the
 * variable MTRR from proc-mtrr.txt, PCI and platform resources from
 * proc-iomem.txt, CPU from cpuinfo.txt and qemu.txt, kernel image from the
 * `Kernel code`..`Kernel bss` resources of one boot (KASLR moves it per boot).
 * Assumptions (not visible in the captures) are marked "assumed".
 */

/**
 * SeaBIOS `mtrr_setup()` (src/fw/mtrr.c): default type WB with fixed and
 * variable ranges enabled; fixed cells WB below 0xA0000 (RAM), UC for the VGA
 * hole 0xA0000-0xBFFFF, WP for the ROM area 0xC0000-0xFFFFF; variable 0 = UC
 * from the start of the PCI hole to 4 GiB. QEMU reports VCNT 8. Matches the
 * captures' pattest lines mtrr(0)=WB, mtrr(0xa0000)=UC.
 */
const SEABIOS_FIXED = `  fixed:
    - { at: 0x0, size: 0xA0000, type: WB }
    - { at: 0xA0000, size: 0x20000, type: UC }
    - { at: 0xC0000, size: 0x40000, type: WP }`;

/**
 * The ISA-range and platform resources QEMU's `pc` machine has in every
 * capture; PCI BAR flags come from QEMU's devices (assumed, /proc/iomem does
 * not show them): 00:02.0 is the std VGA (BAR0 16 MiB prefetchable
 * framebuffer, BAR2 4 KiB MMIO), 00:03.0 the e1000 (expansion ROM 256 KiB,
 * prefetchable as every PCI ROM resource; BAR0 128 KiB MMIO).
 */
function qemuIomem(pciStart: string, highStart: string, highEnd: string, vgaRamArea: boolean): string {
  return `iomem:
  - { start: 0xA0000, end: 0xC0000, name: "PCI Bus 0000:00"${vgaRamArea ? ', children: [{ start: 0xA0000, end: 0xC0000, name: "Video RAM area" }]' : ''} }
  - { start: 0xC0000, end: 0xC9C00, name: Video ROM }
  - { start: 0xCA000, end: 0xCAE00, name: Adapter ROM }
  - { start: 0xCB000, end: 0xCB600, name: Adapter ROM }
  - start: ${pciStart}
    end: 0xFEC00000
    name: "PCI Bus 0000:00"
    children:
      - { start: 0xFD000000, end: 0xFE000000, name: "0000:00:02.0", prefetchable: true }
      - { start: 0xFEB80000, end: 0xFEBC0000, name: "0000:00:03.0", prefetchable: true }
      - { start: 0xFEBC0000, end: 0xFEBE0000, name: "0000:00:03.0" }
      - { start: 0xFEBF0000, end: 0xFEBF1000, name: "0000:00:02.0" }
  - { start: 0xFEC00000, end: 0xFEC00400, name: IOAPIC 0 }
  - start: 0xFED00000
    end: 0xFED00400
    name: HPET 0
    children: [{ start: 0xFED00000, end: 0xFED00400, name: "PNP0103:00" }]
  - { start: 0xFEE00000, end: 0xFEE01000, name: Local APIC }
  - { start: ${highStart}, end: ${highEnd}, name: "PCI Bus 0000:00" }`;
}

/**
 * SeaBIOS's ACPI tables (dmesg `ACPI: SIG 0xADDR LEN` lines; they sit in the
 * last 128 KiB below the end of RAM, `top` = the e820 reserved range's start)
 * and the HPET: QEMU's DSDT (hw/i386/acpi-build.c build_hpet_aml) declares
 * `OperationRegion (HPTM, SystemMemory, 0xFED00000, 0x400)` read by _STA.
 */
function qemuFirmware(top: number): string {
  const h = (n: number): string => '0x' + n.toString(16).toUpperCase();
  return `firmware:
  acpi_tables:
    - { sig: RSDT, start: ${h(top + 0x1ad8)}, length: 0x34 }
    - { sig: FACP, start: ${h(top + 0x198c)}, length: 0x74 }
    - { sig: DSDT, start: ${h(top + 0x40)}, length: 0x194C }
    - { sig: FACS, start: ${h(top)}, length: 0x40 }
    - { sig: APIC, start: ${h(top + 0x1a00)}, length: 0x78 }
    - { sig: HPET, start: ${h(top + 0x1a78)}, length: 0x38 }
    - { sig: WAET, start: ${h(top + 0x1ab0)}, length: 0x28 }
  hpet: 0xFED00000
  acpi_memory_regions:
    - { start: 0xFED00000, length: 0x400, name: "HPET.HPTM (QEMU DSDT, read by _STA)" }`;
}

const DEBIAN_AMD64_QEMU = `name: debian-6.1-amd64-qemu
description: >-
  Debian 12 kernel 6.1.0-56-amd64 under QEMU 7.2 TCG, -m 1024 -cpu qemu64 -smp 1
  (captures/amd64-1g-default).
arch: x86-64
kernel: "6.1"
cpu:
  vendor: AuthenticAMD
  family: 15
  model: 107
  pat: true
  pse: true
  gbpages: false
  clflush: true
  self_snoop: false
  hypervisor: true
  phys_addr_bits: 40
  cpus: 1
  clflush_size: 64
firmware_pat: "0x0007040600070406"
mtrr:
  enabled: true
  fixed_enabled: true
  default: WB
${SEABIOS_FIXED}
  variable:
    - { base: 0x80000000, size: 0x80000000, type: UC }
  vcnt: 8
e820:
  - { start: 0x0, end: 0x9FC00, type: usable }
  - { start: 0x9FC00, end: 0xA0000, type: reserved }
  - { start: 0xF0000, end: 0x100000, type: reserved }
  - { start: 0x100000, end: 0x3FFE0000, type: usable }
  - { start: 0x3FFE0000, end: 0x40000000, type: reserved }
  - { start: 0xFFFC0000, end: 0x100000000, type: reserved }
  - { start: 0xFD00000000, end: 0x10000000000, type: reserved }
${qemuIomem('0x40000000', '0x100000000', '0x180000000', false)}
kernel_image: { start: 0x38000000, end: 0x3B400000 }
config: { x86_pat: true, highmem: false, strict_devmem: true, cpa_statistics: false, debug_fs: true, debug_virtual: false }
boot: []
${qemuFirmware(0x3ffe0000)}
`;

const DEBIAN_686_PAE_QEMU = `name: debian-6.1-686-pae-qemu
description: >-
  Debian 12 kernel 6.1.0-50-686-pae under QEMU 7.2 TCG, qemu-system-i386 -m 2048 -cpu max -smp 1
  (captures/i386pae-2g-cpumax); HighMem from 0x36ffe000.
arch: x86-32-pae
kernel: "6.1"
cpu:
  vendor: AuthenticAMD
  family: 6
  model: 6
  pat: true
  pse: true
  # cpuinfo lists pdpe1gb, but a 32-bit kernel never maps with 1 GiB pages.
  gbpages: false
  clflush: true
  self_snoop: true
  hypervisor: true
  phys_addr_bits: 36
  cpus: 1
  clflush_size: 64
firmware_pat: "0x0007040600070406"
mtrr:
  enabled: true
  fixed_enabled: true
  default: WB
${SEABIOS_FIXED}
  variable:
    - { base: 0x80000000, size: 0x80000000, type: UC }
  vcnt: 8
e820:
  - { start: 0x0, end: 0x9FC00, type: usable }
  - { start: 0x9FC00, end: 0xA0000, type: reserved }
  - { start: 0xF0000, end: 0x100000, type: reserved }
  - { start: 0x100000, end: 0x7FFE0000, type: usable }
  - { start: 0x7FFE0000, end: 0x80000000, type: reserved }
  - { start: 0xFFFC0000, end: 0x100000000, type: reserved }
${qemuIomem('0x80000000', '0x100000000', '0x180000000', true)}
kernel_image: { start: 0x3000000, end: 0x3F0B000 }
config: { x86_pat: true, highmem: true, strict_devmem: true, cpa_statistics: false, debug_fs: true, debug_virtual: false }
boot: []
${qemuFirmware(0x7ffe0000)}
`;

const DESKTOP = `name: desktop-x86-64
description: >-
  16 GiB desktop, 8 CPUs with GB pages, a discrete GPU with a 256 MiB
  prefetchable VRAM BAR below 4 GiB and an 8 GiB one above.
arch: x86-64
cpu:
  vendor: GenuineIntel
  family: 6
  model: 0x97
  gbpages: true
  self_snoop: true
  phys_addr_bits: 46
  cpus: 8
mtrr:
  default: WB
${SEABIOS_FIXED}
  variable:
    - { base: 0x80000000, size: 2G, type: UC }
    - { base: 0x4000000000, size: 256G, type: UC }
  vcnt: 10
e820:
  - { start: 0x0, end: 0x9F000, type: usable }
  - { start: 0x9F000, end: 0x100000, type: reserved }
  - { start: 0x100000, end: 0x7C000000, type: usable }
  - { start: 0x7C000000, end: 0x7D000000, type: ACPI NVS }
  - { start: 0x7D000000, end: 0x7D100000, type: ACPI data }
  - { start: 0x7D100000, end: 0x80000000, type: reserved }
  - { start: 0xE0000000, end: 0xF0000000, type: reserved }
  - { start: 0xFF000000, end: 0x100000000, type: reserved }
  - { start: 0x100000000, size: 14G, type: usable }
iomem:
  - start: 0x80000000
    end: 0xE0000000
    name: "PCI Bus 0000:00"
    children:
      - { start: 0xC0000000, size: 256M, name: "0000:01:00.0", prefetchable: true }
      - { start: 0xDE000000, size: 16M, name: "0000:01:00.0" }
      - { start: 0xDF000000, size: 1M, name: "0000:00:1f.3" }
  - { start: 0xFEC00000, end: 0xFEC00400, name: IOAPIC 0 }
  - { start: 0xFEE00000, end: 0xFEE01000, name: Local APIC }
  - start: 0x4000000000
    end: 0x8000000000
    name: "PCI Bus 0000:00"
    children:
      - { start: 0x4000000000, size: 8G, name: "0000:01:00.0", prefetchable: true }
`;

const SERVER = `name: server-x86-64
description: 64 GiB two-socket server, 64 CPUs with GB pages, a BMC VGA and a NIC.
arch: x86-64
cpu:
  vendor: GenuineIntel
  family: 6
  model: 0x8F
  gbpages: true
  phys_addr_bits: 46
  cpus: 64
mtrr:
  default: WB
${SEABIOS_FIXED}
  variable:
    - { base: 0x80000000, size: 2G, type: UC }
  vcnt: 10
e820:
  - { start: 0x0, end: 0x9A000, type: usable }
  - { start: 0x9A000, end: 0x100000, type: reserved }
  - { start: 0x100000, end: 0x6F000000, type: usable }
  - { start: 0x6F000000, end: 0x6F800000, type: ACPI data }
  - { start: 0x6F800000, end: 0x70000000, type: ACPI NVS }
  - { start: 0x70000000, end: 0x80000000, type: reserved }
  - { start: 0x80000000, end: 0x90000000, type: reserved }
  - { start: 0xFF000000, end: 0x100000000, type: reserved }
  - { start: 0x100000000, end: 0x1090000000, type: usable }
iomem:
  - start: 0x90000000
    end: 0xFB000000
    name: "PCI Bus 0000:00"
    children:
      - { start: 0xF9000000, size: 16M, name: "0000:03:00.0", prefetchable: true }
      - { start: 0xFA000000, size: 256K, name: "0000:03:00.0" }
      - { start: 0xFA800000, size: 8M, name: "0000:18:00.0", prefetchable: true }
  - { start: 0xFEC00000, end: 0xFEC00400, name: IOAPIC 0 }
  - { start: 0xFEE00000, end: 0xFEE01000, name: Local APIC }
`;

const X86_32_PAE_4G = `name: x86-32-pae-4g
description: 4 GiB x86-32 PAE machine (1 GiB of it above 4 GiB), PSE, no GB pages, highmem.
arch: x86-32-pae
cpu:
  vendor: GenuineIntel
  family: 6
  model: 0x3A
  pse: true
  gbpages: false
  phys_addr_bits: 36
  cpus: 2
mtrr:
  default: WB
${SEABIOS_FIXED}
  variable:
    - { base: 0xC0000000, size: 1G, type: UC }
  vcnt: 8
e820:
  - { start: 0x0, end: 0x9F000, type: usable }
  - { start: 0x9F000, end: 0x100000, type: reserved }
  - { start: 0x100000, end: 0xBFF00000, type: usable }
  - { start: 0xBFF00000, end: 0xC0000000, type: ACPI data }
  - { start: 0xFEC00000, end: 0x100000000, type: reserved }
  - { start: 0x100000000, size: 1G, type: usable }
iomem:
  - start: 0xC0000000
    end: 0xFEC00000
    name: "PCI Bus 0000:00"
    children:
      - { start: 0xE0000000, size: 256M, name: "0000:01:00.0", prefetchable: true }
      - { start: 0xF0000000, size: 16M, name: "0000:01:00.0" }
config: { highmem: true }
`;

const LUNAR_LAKE = `name: lunar-lake-laptop
description: >-
  Intel Lunar Lake laptop (family 6 model 0xBD), 32 GiB on-package memory,
  8 CPUs, self-snoop, GB pages, Xe2 iGPU with a 256 MiB prefetchable BAR above 4 GiB.
arch: x86-64
cpu:
  vendor: GenuineIntel
  family: 6
  model: 0xBD
  gbpages: true
  self_snoop: true
  # assumed: MAXPHYADDR of recent Intel client parts.
  phys_addr_bits: 42
  cpus: 8
mtrr:
  default: WB
${SEABIOS_FIXED}
  variable:
    - { base: 0x80000000, size: 2G, type: UC }
  vcnt: 10
e820:
  - { start: 0x0, end: 0x9F000, type: usable }
  - { start: 0x9F000, end: 0x100000, type: reserved }
  - { start: 0x100000, end: 0x6C000000, type: usable }
  - { start: 0x6C000000, end: 0x6C800000, type: ACPI NVS }
  - { start: 0x6C800000, end: 0x6D000000, type: ACPI data }
  # graphics stolen memory and firmware reservations
  - { start: 0x6D000000, end: 0x80000000, type: reserved }
  - { start: 0xC0000000, end: 0xD0000000, type: reserved }
  - { start: 0xFE000000, end: 0x100000000, type: reserved }
  - { start: 0x100000000, end: 0x880000000, type: usable }
iomem:
  - start: 0x80000000
    end: 0xC0000000
    name: "PCI Bus 0000:00"
    children:
      - { start: 0xBF000000, size: 1M, name: "0000:00:1f.5" }
  - { start: 0xFEC00000, end: 0xFEC00400, name: IOAPIC 0 }
  - { start: 0xFEE00000, end: 0xFEE01000, name: Local APIC }
  - start: 0x4000000000
    end: 0x4400000000
    name: "PCI Bus 0000:00"
    children:
      - { start: 0x4000000000, size: 256M, name: "0000:00:02.0", prefetchable: true }
      - { start: 0x4010000000, size: 16M, name: "0000:00:02.0" }
`;

/** Preset name → machine-file YAML. */
export const PRESET_YAML: Readonly<Record<string, string>> = {
  'desktop-x86-64': DESKTOP,
  'server-x86-64': SERVER,
  'x86-32-pae-4g': X86_32_PAE_4G,
  'lunar-lake-laptop': LUNAR_LAKE,
  'debian-6.1-amd64-qemu': DEBIAN_AMD64_QEMU,
  'debian-6.1-686-pae-qemu': DEBIAN_686_PAE_QEMU,
};

/** Preset names in a stable order. */
export function presetNames(): string[] {
  return Object.keys(PRESET_YAML);
}
