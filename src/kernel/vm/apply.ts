/**
 * `apply_to_page_range(mm, addr, size, fn, data)` (mm/memory.c; spec 04 §7):
 * the driver-side bypass i915 uses and TTM's RFC 1/3 proposed. One
 * page-table walk calls `fn` for every PTE slot of the range, populated or
 * not; the callback usually writes a special `(pfn, prot)` entry with the
 * driver's prot. Nothing of 04 §4 happens: no VMA-flag checks, no range
 * check, no `pfn_modify_allowed`, no PAT lookup, and an existing PTE is
 * overwritten without a TLB flush.
 */

import type { CacheMode } from '../../hw/cache-mode.js';
import { EINVAL } from '../errno.js';
import { NotModelledError } from '../not-modelled.js';
import type { MmContext } from '../mm/mm-context.js';
import { warnOnOnce } from './bug.js';
import { _PAGE_SPECIAL } from './flags.js';
import type { MmStruct } from './mm.js';
import { emitInstalled, protMode, vmNormalPage } from './pte-write.js';
import { LV_4K } from './user-ptes.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/** What a callback sees for one slot. */
export interface PteSlot {
  addr: number;
  /** Whether the slot holds an entry now. */
  present: boolean;
  pfn: number;
  bits: number;
}

/**
 * The callback: returns `{pfn, prot}` to write a special PTE, `null` to
 * leave the slot, or a negative errno to stop the walk.
 */
export type ApplyFn = (slot: PteSlot) => { pfn: number; prot: number } | null | number;

/**
 * Model limits: the range must lie inside VMAs (page tables without a VMA
 * are not modelled); a large leaf in the range is the kernel's WARN +
 * -EINVAL. Overwriting a *normal* entry drops its page's mapcount and
 * reference as a zap would not — the kernel leaks them; the model refuses
 * with "not modelled" instead of guessing.
 */
export function applyToPageRange(k: MmContext, mm: MmStruct, addr: number, size: number, fn: ApplyFn, call = 'apply_to_page_range'): number {
  if (addr % PAGE_SIZE || size <= 0) {
    warnOnOnce(k, 'apply_to_page_range');
    return -EINVAL;
  }
  const end = addr + Math.ceil(size / PAGE_SIZE) * PAGE_SIZE;
  k.counters.ptWalks++;
  const touched: { vma: Vma; from: number; to: number; req: CacheMode }[] = [];
  let ret = 0;
  for (let a = addr; a < end; a += PAGE_SIZE) {
    const vma = mm.vmaLookup(a);
    if (!vma) throw new NotModelledError(`${call} at 0x${a.toString(16)} outside every VMA (page tables without a VMA)`);
    const p = vma.ptes;
    const s = vma.slot(a);
    const e = p.entry(s);
    if (e && e.level !== LV_4K) {
      warnOnOnce(k, 'apply_to_pte_range');
      ret = -EINVAL;
      break;
    }
    const r = fn({ addr: a, present: e !== null, pfn: e ? e.pfn : 0, bits: e ? e.bits : 0 });
    if (typeof r === 'number') {
      if (r) {
        ret = r;
        break;
      }
      continue;
    }
    if (r === null) continue;
    if (e && vmNormalPage(k, vma, s) >= 0)
      throw new NotModelledError(`${call} overwriting a normal (refcounted) PTE at 0x${a.toString(16)}`);
    p.set(s, r.pfn, r.prot | _PAGE_SPECIAL, LV_4K, k.log.step);
    const last = touched[touched.length - 1];
    if (last && last.vma === vma && last.to === s && last.req === protMode(k, r.prot)) last.to = s + 1;
    else touched.push({ vma, from: s, to: s + 1, req: protMode(k, r.prot) });
  }
  for (const t of touched) emitInstalled(k, call, t.vma, t.from, t.to, t.req);
  return ret;
}
