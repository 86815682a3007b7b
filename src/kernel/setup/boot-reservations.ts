/**
 * The memtype reservations a booted kernel already holds before anything
 * else runs: the firmware mappings that boot code makes with ioremap and
 * never undoes. They are the whole of `pat_memtype_list` right after boot
 * (the captures' `pat_memtype_list.before.txt`), so they are part of the
 * initial state every scenario starts from.
 *
 * None of them comes from e820 or /proc/iomem: `e820__reserve_resources_late()`
 * only inserts resources, it never calls memtype_reserve. They come from what
 * the firmware describes in ACPI (`MachineSpec.firmware`), in boot order:
 *
 * 1. `acpi_early_init()`: once `acpi_gbl_permanent_mmap` is set, ACPICA maps
 *    the tables it keeps for good through `acpi_os_map_iomem()` (drivers/acpi/osl.c),
 *    which page-rounds the range, reuses an existing mapping that covers it
 *    (`acpi_map_lookup()`), and otherwise maps it with `acpi_os_ioremap()` =
 *    `ioremap_cache()` (WB request). The kept tables are the FADT and the DSDT
 *    (`acpi_tb_load_namespace()` validates the DSDT and keeps it), then the
 *    FACS (`acpi_tb_initialize_facs()` via `acpi_get_table_by_index()`).
 *    Inferred from the debugpat capture: a one-page WB reservation on the
 *    FADT's page, then the DSDT's two pages ("Overlap at" the first), and no
 *    third one for the FACS (it lies inside the DSDT's mapping).
 * 2. `hpet_enable()` -> `hpet_set_mapping()` (arch/x86/kernel/hpet.c):
 *    `ioremap(hpet_address, HPET_MMAP_SIZE)`, a UC- request.
 * 3. x86-64 `pci_mmcfg_arch_init()` (arch/x86/pci/mmconfig_64.c) maps every
 *    MMCONFIG region it accepted with `mcfg_ioremap()` = `ioremap()` (UC-) of
 *    the buses' part, `(end_bus - start_bus + 1) << 20` bytes from
 *    `base + (start_bus << 20)`. x86-32 maps config space through a fixmap
 *    slot per access (mmconfig_32.c): no reservation.
 * 4. ACPI namespace init evaluates `_STA` methods; AML that reads a
 *    SystemMemory OperationRegion goes through
 *    `acpi_ex_system_memory_space_handler()`, which maps the region with
 *    `acpi_os_map_memory()` (WB request) and keeps the mapping cached.
 *
 * The types the tree records are not copied from anywhere: each request goes
 * through the modelled `memtype_reserve()` (a WB request on MMIO becomes UC-
 * unless the MTRRs say WB, `pat_x_mtrr_type()`), which is why the ACPI
 * entries are WB on a machine with MTRRs and UC- without.
 * The vmalloc side of these ioremaps is not modelled (nothing reads it).
 */

import { CM, type CacheMode } from '../../hw/cache-mode.js';
import type { MachineSpec } from '../machine.js';
import { isNewMemtypeAllowed, type Memtype } from '../pat/memtype.js';
import { PAGE_SIZE } from '../../hw/page.js';

/** HPET_MMAP_SIZE (arch/x86/include/asm/hpet.h): the HPET register block is 1 KiB. */
const HPET_MMAP_SIZE = 1024;
/** The tables ACPICA keeps mapped after `acpi_early_init()`, in the order it maps them. */
const KEPT_ACPI_TABLES = ['FACP', 'DSDT', 'FACS'] as const;

/** One boot-time ioremap: the page-rounded range, the request, who made it. */
export interface BootMapping {
  start: number;
  end: number;
  req: CacheMode;
  by: string;
}

/**
 * The memtype part of `__ioremap_caller()` (arch/x86/mm/ioremap.c): page-round,
 * `memtype_reserve(start, end, pcm, &new_pcm)`, and undo when the granted type
 * is not allowed for the request (`is_new_memtype_allowed()`).
 */
function ioremapReserve(mt: Memtype, phys: number, size: number, req: CacheMode): boolean {
  const start = Math.floor(phys / PAGE_SIZE) * PAGE_SIZE;
  const end = Math.ceil((phys + size) / PAGE_SIZE) * PAGE_SIZE;
  const r = mt.memtypeReserve(start, end, req, true);
  if (r.ret !== 0) return false;
  if (r.newType !== undefined && r.newType !== req && !isNewMemtypeAllowed(start, end - start, req, r.newType)) {
    mt.memtypeFree(start, end);
    return false;
  }
  return true;
}

/**
 * The boot-time firmware mappings of `m`, in the order the kernel makes them
 * (`acpi_os_map_iomem()` reuse applied). Pure: used by the kernel at boot and
 * by tools that explain the initial memtype list.
 */
export function bootMappings(m: MachineSpec): BootMapping[] {
  const fw = m.firmware;
  if (fw === undefined) return [];
  const out: BootMapping[] = [];
  // acpi_ioremaps: what acpi_os_map_iomem() already mapped (page-rounded).
  const acpiMaps: { start: number; end: number }[] = [];
  const acpiMap = (phys: number, size: number, by: string): void => {
    const start = Math.floor(phys / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.ceil((phys + size) / PAGE_SIZE) * PAGE_SIZE;
    // acpi_map_lookup(): an existing mapping that covers the range is reused (refcount only).
    if (acpiMaps.some((a) => a.start <= phys && phys + size <= a.end)) return;
    acpiMaps.push({ start, end });
    out.push({ start, end, req: CM.WB, by });
  };
  for (const sig of KEPT_ACPI_TABLES) {
    const t = fw.acpiTables.find((x) => x.sig === sig);
    if (t !== undefined) acpiMap(t.start, t.length, `acpi_os_map_iomem(${sig})`);
  }
  if (fw.hpet !== null) {
    const start = Math.floor(fw.hpet / PAGE_SIZE) * PAGE_SIZE;
    out.push({ start, end: Math.ceil((fw.hpet + HPET_MMAP_SIZE) / PAGE_SIZE) * PAGE_SIZE, req: CM.UC_MINUS, by: 'hpet_enable' });
  }
  if (m.arch === 'x86-64') {
    for (const c of fw.mmconfig) {
      const start = c.base + c.startBus * (1 << 20);
      out.push({ start, end: start + (c.endBus - c.startBus + 1) * (1 << 20), req: CM.UC_MINUS, by: `mcfg_ioremap(${c.segment.toString(16).padStart(4, '0')})` });
    }
  }
  // acpi_ex_system_memory_space_handler() -> acpi_os_map_memory() -> acpi_os_map_iomem():
  // the lookup only knows ACPI's own mappings, not hpet_enable()'s ioremap of the
  // same registers, so the HPET region is reserved a second time.
  for (const r of fw.acpiMemRegions) acpiMap(r.start, r.length, `acpi_ex_system_memory_space_handler(${r.name})`);
  return out;
}

/**
 * Make the boot-time reservations of `m` in `mt` (called by `bootKernel`
 * once the memtype state exists). With PAT disabled `memtype_reserve()`
 * records nothing, as in the kernel.
 */
export function reserveBootMemtypes(m: MachineSpec, mt: Memtype): void {
  const saved = mt.ctx.current;
  // Boot runs as the idle task (pid 0) before init exists.
  mt.ctx.current = { comm: 'swapper/0', pid: 0 };
  for (const b of bootMappings(m)) ioremapReserve(mt, b.start, b.end - b.start, b.req);
  mt.ctx.current = saved;
}
