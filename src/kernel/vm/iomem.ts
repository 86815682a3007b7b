/**
 * Lookups in the machine's iomem tree that /dev/mem and PCI sysfs need
 * (kernel/resource.c `region_intersects`, `iomem_is_exclusive`; spec 04 §9,
 * §10).
 */

import type { KernelContext } from '../context.js';
import type { IomemResource } from '../machine.js';
import { PAGE_SIZE } from '../../hw/page.js';

/** A PCI device name as /proc/iomem shows it: `0000:01:00.0`. */
const PCI_NAME = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i;

function* walk(rs: readonly IomemResource[]): Generator<IomemResource> {
  for (const r of rs) {
    yield r;
    if (r.children) yield* walk(r.children);
  }
}

/** `region_intersects(pfn page, IORESOURCE_SYSTEM_RAM) != REGION_DISJOINT`. */
export function pageIntersectsSystemRam(k: KernelContext, pfn: number): boolean {
  const s = pfn * PAGE_SIZE;
  const e = s + PAGE_SIZE - 1;
  for (const r of k.systemRam.resources) if (r.start <= e && r.endIncl >= s) return true;
  return false;
}

/** `iomem_is_exclusive(addr)`: a resource with IORESOURCE_EXCLUSIVE covers `addr`. */
export function iomemIsExclusive(k: KernelContext, addr: number): boolean {
  for (const r of walk(k.machine.iomem)) if (r.exclusive && r.start <= addr && addr < r.end) return true;
  return false;
}

/** The PCI BAR resource starting at `start` (a node named like `0000:01:00.0`), or null. */
export function findPciBar(k: KernelContext, start: number): IomemResource | null {
  for (const r of walk(k.machine.iomem)) if (r.start === start && PCI_NAME.test(r.name)) return r;
  return null;
}

/** Index of the BAR among its device's resources in address order (the N of `resourceN`, model choice). */
export function pciBarIndex(k: KernelContext, bar: IomemResource): number {
  const mine = [...walk(k.machine.iomem)].filter((r) => r.name === bar.name && PCI_NAME.test(r.name)).sort((a, b) => a.start - b.start);
  return mine.indexOf(bar);
}
