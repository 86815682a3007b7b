/**
 * MachineSpec → machine-file YAML with every field explicit, so that
 * `loadMachine(dumpMachine(m))` gives `m` back (tested for every preset and
 * for generated machines). Addresses are written as hex strings.
 */

import { stringify } from 'yaml';
import { mtrrShortName } from '../../hw/cache-mode.js';
import { fixedCellRange, MTRR_NUM_FIXED_RANGES } from '../../hw/mtrr.js';
import { formatPatMsr } from '../../hw/pat-msr.js';
import type { IomemResource, MachineSpec, MtrrSpec } from '../../kernel/machine.js';
import { hex } from '../../hw/hex.js';

function fixedOut(fixed: readonly number[]): unknown {
  if (fixed.every((t) => t === fixed[0])) return mtrrShortName(fixed[0]!).toUpperCase();
  const runs: { at: string; size: string; type: string }[] = [];
  let start = 0;
  for (let i = 1; i <= MTRR_NUM_FIXED_RANGES; i++) {
    if (i < MTRR_NUM_FIXED_RANGES && fixed[i] === fixed[start]) continue;
    const s = fixedCellRange(start).start;
    const e = fixedCellRange(i - 1).end;
    runs.push({ at: hex(s), size: hex(e - s), type: mtrrShortName(fixed[start]!).toUpperCase() });
    start = i;
  }
  return runs;
}

function mtrrOut(r: MtrrSpec): unknown {
  const out: Record<string, unknown> = {
    enabled: r.enabled,
    fixed_enabled: r.fixedEnabled,
    default: mtrrShortName(r.defType).toUpperCase(),
    fixed: fixedOut(r.fixed),
    variable: r.variable.map((v) => ({ base: hex(v.base), size: hex(v.size), type: mtrrShortName(v.type).toUpperCase() })),
    vcnt: r.vcnt,
  };
  if (r.tom2 !== 0) out['tom2'] = hex(r.tom2);
  return out;
}

function resOut(r: IomemResource): unknown {
  const out: Record<string, unknown> = { start: hex(r.start), end: hex(r.end), name: r.name };
  if (r.prefetchable !== undefined) out['prefetchable'] = r.prefetchable;
  if (r.exclusive !== undefined) out['exclusive'] = r.exclusive;
  if (r.children !== undefined) out['children'] = r.children.map(resOut);
  return out;
}

/** The machine as YAML text (all defaults written out). */
export function dumpMachine(m: MachineSpec): string {
  const boot: string[] = [];
  if (m.boot.nopat) boot.push('nopat');
  if (m.boot.debugpat) boot.push('debugpat');
  if (m.boot.nogbpages) boot.push('nogbpages');
  if (m.boot.debugPagealloc) boot.push('debug_pagealloc');
  if (m.boot.mtrrDebug) boot.push('mtrr=debug');
  const doc: Record<string, unknown> = { name: m.name };
  if (m.description !== undefined) doc['description'] = m.description;
  Object.assign(doc, {
    arch: m.arch,
    kernel: m.kernel,
    cpu: {
      vendor: m.cpu.vendor,
      family: m.cpu.family,
      model: m.cpu.model,
      pat: m.cpu.pat,
      pse: m.cpu.pse,
      gbpages: m.cpu.gbpages,
      clflush: m.cpu.clflush,
      self_snoop: m.cpu.selfSnoop,
      mtrr: m.cpu.mtrr,
      hypervisor: m.cpu.hypervisor ?? false,
      phys_addr_bits: m.cpu.physAddrBits,
      cpus: m.cpu.nCpus,
      clflush_size: m.cpu.clflushLineSize,
    },
    firmware_pat: formatPatMsr(m.firmwarePat),
    mtrr: m.mtrr === null ? null : mtrrOut(m.mtrr),
    e820: m.e820.map((e) => ({ start: hex(e.start), end: hex(e.end), type: e.type })),
    iomem: m.iomem.map(resOut),
  });
  if (m.maxLowPfn !== undefined && m.arch !== 'x86-64') doc['max_low_pfn'] = hex(m.maxLowPfn);
  Object.assign(doc, {
    kernel_image: { start: hex(m.kernelImage.start), end: hex(m.kernelImage.end) },
    config: {
      x86_pat: m.config.x86Pat,
      highmem: m.config.highmem,
      strict_devmem: m.config.strictDevmem,
      cpa_statistics: m.config.cpaStatistics,
      debug_fs: m.config.debugFs,
      debug_virtual: m.config.debugVirtual,
      bpf_jit_default_on: m.config.bpfJitDefaultOn,
      nodes_shift: m.config.nodesShift,
    },
    boot,
    fragmentation: { level: m.fragmentation.level, seed: m.fragmentation.seed },
  });
  if (m.firmware !== undefined) {
    doc['firmware'] = {
      acpi_tables: m.firmware.acpiTables.map((t) => ({ sig: t.sig, start: hex(t.start), length: hex(t.length) })),
      hpet: m.firmware.hpet === null ? null : hex(m.firmware.hpet),
      acpi_memory_regions: m.firmware.acpiMemRegions.map((r) => ({ start: hex(r.start), length: hex(r.length), name: r.name })),
    };
    if (m.firmware.mmconfig.length > 0) {
      (doc['firmware'] as Record<string, unknown>)['mmconfig'] = m.firmware.mmconfig.map((r) => ({ segment: r.segment, start_bus: r.startBus, end_bus: r.endBus, base: hex(r.base) }));
    }
  }
  return stringify(doc, { lineWidth: 0 });
}
