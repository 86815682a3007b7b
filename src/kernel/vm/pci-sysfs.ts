/**
 * PCI sysfs `resourceN` / `resourceN_wc` mmap (drivers/pci/pci-sysfs.c
 * `pci_mmap_resource`, drivers/pci/mmap.c `pci_mmap_resource_range`; spec
 * 04 §10). BARs are the machine's iomem resources named like a PCI device;
 * a BAR is named by its start address.
 *
 * `resourceN_wc` exists only with PAT enabled and a prefetchable BAR
 * (unconfirmed condition, spec 04 §10); a missing file is -ENOENT, an
 * unknown BAR -ENODEV (model). The prot is OR-ed onto the WB
 * `vm_page_prot` (`pgprot_writecombine`, or `pgprot_device` = UC- on x86,
 * unconfirmed) and the whole VMA is remapped (tracked).
 */

import { ENOENT, EINVAL } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { ENODEV } from './errnos.js';
import { findPciBar, iomemIsExclusive, pciBarIndex } from './iomem.js';
import { vmState, type MmStruct } from './mm.js';
import { doMmap, type MmapResult } from './mmap.js';
import { ioRemapPfnRange } from './remap.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/** `pci_mmap_resource(kobj, attr, vma, write_combine)` as the sysfs file's `->mmap`. */
export function pciMmapResourceVma(k: MmContext, vma: Vma, barStart: number, barLen: number, wc: boolean): number {
  // Memory BAR inside an exclusive iomem resource: refused.
  if (iomemIsExclusive(k, barStart)) return -EINVAL;
  const npages = Math.floor((barLen - 1) / PAGE_SIZE) + 1;
  // pci_mmap_fits(): vm_pgoff is the page offset inside the BAR.
  if (barLen === 0 || vma.pgoff >= npages || vma.pgoff + vma.pages > npages) return -EINVAL;
  const prot = wc ? k.tables.pgprotWritecombine(vma.pageProt) : k.tables.pgprotNoncached(vma.pageProt);
  vma.pgoff += barStart / PAGE_SIZE;
  return ioRemapPfnRange(k, vma, vma.start, vma.pgoff, vma.end - vma.start, prot, wc ? 'pci_mmap_resource_wc' : 'pci_mmap_resource');
}

/** `mmap(fd of /sys/bus/pci/devices/D/resourceN[_wc], offset, len)`. */
export function pciMmapResource(k: MmContext, mm: MmStruct, barStart: number, len: number, wc: boolean, pgoff = 0): MmapResult {
  const bar = findPciBar(k, barStart);
  if (!bar) return { ret: -ENODEV, vma: null };
  if (wc && !(k.patEnabled && bar.prefetchable)) return { ret: -ENOENT, vma: null };
  const name = `/sys/bus/pci/devices/${bar.name}/resource${pciBarIndex(k, bar)}${wc ? '_wc' : ''}`;
  return doMmap(k, mm, { len, pgoff, file: vmState(k).fileNamed(name), driverMmap: (vma) => pciMmapResourceVma(k, vma, bar.start, bar.end - bar.start, wc) });
}
