/** The user PTE behind a user-mapping handle (first page), for reports. */

import type { HandleValue } from '../kernel/api/types.js';
import type { Kernel } from '../kernel/kernel.js';
import { aliasingMappings, type MappingRun } from './inventory.js';

export function userMappingAt(
  k: Kernel,
  h: Extract<HandleValue, { kind: 'mapping' }>,
  maps: readonly MappingRun[] = aliasingMappings(k),
): { pfn: number; bits4k: number } | null {
  for (const m of maps) {
    if (m.kind !== 'user') continue;
    if (h.vaddr >= m.vaddr && h.vaddr < m.vaddr + m.npages * 4096) {
      const i = Math.floor((h.vaddr - m.vaddr) / 4096);
      return { pfn: m.pfn + i, bits4k: m.bits4k };
    }
  }
  return null;
}
