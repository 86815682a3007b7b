/**
 * JSON Schema (draft-07, Ajv's default) of the machine YAML file (spec/07 D1,
 * (b) 2, 9, 13). `schema/machine.schema.json` is this object printed with
 * `JSON.stringify(MACHINE_SCHEMA, null, 2)`; a test keeps the two identical
 * (regenerate with `node scripts/gen-machine-schema.mjs` after a build).
 *
 * The schema checks shape and spelling. Rules that need arithmetic or several
 * fields at once (overlaps, MTRR alignment, PAT slot 0, address limits per
 * architecture) are in build-machine.ts, which also fills in the defaults.
 */

import { NUMBER_PATTERN } from '../numbers.js';

export const ARCHES = ['x86-64', 'x86-32-pae', 'x86-32'] as const;
export const KERNELS = ['mainline', '6.12', '6.6', '6.1'] as const;
export const E820_TYPES = ['usable', 'reserved', 'ACPI data', 'ACPI NVS', 'unusable', 'persistent'] as const;
export const MTRR_TYPE_NAMES = ['UC', 'WC', 'WT', 'WP', 'WB'] as const;
export const BOOT_OPTIONS = ['nopat', 'debugpat', 'nogbpages', 'debug_pagealloc', 'mtrr=debug'] as const;

const MTRR_TYPE_ENUM = [...MTRR_TYPE_NAMES, ...MTRR_TYPE_NAMES.map((t) => t.toLowerCase())];

export const MACHINE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://patlab.invalid/schema/machine.schema.json',
  title: 'patlab machine',
  description:
    'A machine as the Linux kernel sees it at boot: CPU, firmware PAT, MTRRs, e820, iomem, kernel config, boot options and kernel version. Numbers are integers or strings: hex ("0x100000") or binary sizes ("4G", "512MiB"). Ranges are half-open: give end (exclusive) or size.',
  type: 'object',
  additionalProperties: false,
  properties: {
    preset: { type: 'string', description: 'Start from this built-in machine; the other keys override it (maps merge, lists replace).' },
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    arch: { enum: [...ARCHES] },
    kernel: { enum: [...KERNELS], description: 'Kernel version preset (default mainline, v6.16+).' },
    cpu: { $ref: '#/definitions/cpu' },
    firmware_pat: {
      type: ['integer', 'string'],
      minimum: 0,
      pattern: '^0[xX][0-9a-fA-F]{1,16}$',
      description: 'IA32_PAT as firmware left it (default the reset value 0x0007040600070406).',
    },
    mtrr: {
      anyOf: [{ type: 'null' }, { $ref: '#/definitions/mtrr' }],
      description: 'The MTRR registers; null or absent: the CPU has no MTRRs.',
    },
    e820: { type: 'array', items: { $ref: '#/definitions/e820' } },
    iomem: { type: 'array', items: { $ref: '#/definitions/resource' } },
    max_low_pfn: { $ref: '#/definitions/uint', description: 'x86-32 only: end of lowmem as a pfn.' },
    lowmem: { $ref: '#/definitions/uint', description: 'x86-32 only: end of lowmem in bytes (page aligned).' },
    kernel_image: {
      type: 'object',
      additionalProperties: false,
      required: ['start'],
      properties: { start: { $ref: '#/definitions/uint' }, end: { $ref: '#/definitions/uint' }, size: { $ref: '#/definitions/uint' } },
      allOf: [{ $ref: '#/definitions/endOrSize' }],
    },
    config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        x86_pat: { type: 'boolean' },
        highmem: { type: 'boolean' },
        strict_devmem: { type: 'boolean' },
        cpa_statistics: { type: 'boolean' },
        debug_fs: { type: 'boolean' },
        debug_virtual: { type: 'boolean' },
        bpf_jit_default_on: { type: 'boolean' },
        nodes_shift: { type: 'integer', minimum: 0, maximum: 10, description: 'CONFIG_NODES_SHIFT (0: no CONFIG_NUMA); default 10 on x86-64, 0 on x86-32 (Debian). Sizes the e820 table: 128 + 3 << nodes_shift entries.' },
      },
    },
    boot: { type: 'array', items: { enum: [...BOOT_OPTIONS] }, description: 'Kernel command-line options.' },
    firmware: {
      type: 'object',
      additionalProperties: false,
      description:
        'What the firmware describes that makes the kernel map memory at boot: ACPI tables (kept mapped by ACPICA), the HPET, SystemMemory OperationRegions the AML reads. Gives the boot-time pat_memtype_list entries.',
      properties: {
        acpi_tables: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['sig', 'start', 'length'],
            properties: { sig: { type: 'string', pattern: '^[A-Z0-9_]{4}$' }, start: { $ref: '#/definitions/uint' }, length: { $ref: '#/definitions/uint' } },
          },
        },
        hpet: { anyOf: [{ type: 'null' }, { $ref: '#/definitions/uint' }], description: 'HPET base address (ACPI HPET table).' },
        acpi_memory_regions: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['start', 'length', 'name'],
            properties: { start: { $ref: '#/definitions/uint' }, length: { $ref: '#/definitions/uint' }, name: { type: 'string', minLength: 1 } },
          },
        },
        mmconfig: {
          type: 'array',
          description: 'PCI MMCONFIG (ECAM) regions in use (ACPI MCFG): on x86-64 the kernel ioremaps each (UC-) at boot.',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['base', 'start_bus', 'end_bus'],
            properties: {
              segment: { $ref: '#/definitions/uint' },
              start_bus: { $ref: '#/definitions/uint' },
              end_bus: { $ref: '#/definitions/uint' },
              base: { $ref: '#/definitions/uint' },
            },
          },
        },
      },
    },
    fragmentation: {
      type: 'object',
      additionalProperties: false,
      properties: {
        level: { type: 'number', minimum: 0, maximum: 1 },
        seed: { $ref: '#/definitions/uint' },
      },
    },
  },
  if: { not: { required: ['preset'] } },
  then: { required: ['arch', 'e820'] },
  definitions: {
    uint: {
      type: ['integer', 'string'],
      minimum: 0,
      pattern: NUMBER_PATTERN,
    },
    endOrSize: {
      oneOf: [{ required: ['end'] }, { required: ['size'] }],
    },
    mtrrType: { enum: MTRR_TYPE_ENUM },
    cpu: {
      type: 'object',
      additionalProperties: false,
      properties: {
        vendor: { type: 'string', minLength: 1, description: 'CPUID vendor string, e.g. GenuineIntel, AuthenticAMD.' },
        family: { $ref: '#/definitions/uint' },
        model: { $ref: '#/definitions/uint' },
        features: {
          type: 'array',
          items: { enum: ['pat', 'pse', 'pdpe1gb', 'gbpages', 'clflush', 'ss', 'self_snoop', 'mtrr', 'hypervisor'] },
          description: 'cpuinfo-style flag list; when given, a flag not listed is absent.',
        },
        pat: { type: 'boolean' },
        pse: { type: 'boolean' },
        gbpages: { type: 'boolean' },
        clflush: { type: 'boolean' },
        self_snoop: { type: 'boolean' },
        mtrr: { type: 'boolean' },
        hypervisor: { type: 'boolean' },
        phys_addr_bits: { $ref: '#/definitions/uint' },
        cpus: { $ref: '#/definitions/uint' },
        clflush_size: { $ref: '#/definitions/uint' },
      },
    },
    mtrr: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        fixed_enabled: { type: 'boolean' },
        default: { $ref: '#/definitions/mtrrType' },
        fixed: {
          anyOf: [
            { $ref: '#/definitions/mtrrType' },
            { type: 'array', items: { $ref: '#/definitions/fixedCell' } },
          ],
          description: 'One type for all 88 cells, or overrides applied in order to cells that start as UC.',
        },
        variable: { type: 'array', items: { $ref: '#/definitions/mtrrVar' } },
        vcnt: { $ref: '#/definitions/uint' },
        tom2: { $ref: '#/definitions/uint' },
      },
    },
    fixedCell: {
      type: 'object',
      additionalProperties: false,
      required: ['at', 'type'],
      properties: {
        at: { $ref: '#/definitions/uint' },
        size: { $ref: '#/definitions/uint' },
        type: { $ref: '#/definitions/mtrrType' },
      },
    },
    mtrrVar: {
      type: 'object',
      additionalProperties: false,
      required: ['base', 'size', 'type'],
      properties: {
        base: { $ref: '#/definitions/uint' },
        size: { $ref: '#/definitions/uint' },
        type: { $ref: '#/definitions/mtrrType' },
      },
    },
    e820: {
      type: 'object',
      additionalProperties: false,
      required: ['start', 'type'],
      properties: {
        start: { $ref: '#/definitions/uint' },
        end: { $ref: '#/definitions/uint' },
        size: { $ref: '#/definitions/uint' },
        type: { enum: [...E820_TYPES] },
      },
      allOf: [{ $ref: '#/definitions/endOrSize' }],
    },
    resource: {
      type: 'object',
      additionalProperties: false,
      required: ['start', 'name'],
      properties: {
        start: { $ref: '#/definitions/uint' },
        end: { $ref: '#/definitions/uint' },
        size: { $ref: '#/definitions/uint' },
        name: { type: 'string', minLength: 1 },
        prefetchable: { type: 'boolean' },
        exclusive: { type: 'boolean' },
        children: { type: 'array', items: { $ref: '#/definitions/resource' } },
      },
      allOf: [{ $ref: '#/definitions/endOrSize' }],
    },
  },
} as const;
