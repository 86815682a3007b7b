/**
 * What the memtype code counts as RAM: `pat_pagerange_is_ram()`
 * (arch/x86/mm/pat/memtype.c; spec 02 §7, FORMAT §3.4).
 */

import type { SystemRam } from '../mm/system-ram.js';

/** The first MiB is never counted as RAM by the memtype code (ISA/BIOS area). */
const FIRST_TRACKED_PFN = 0x100;

/**
 * `pat_pagerange_is_ram(start, end)`: 1 if the range is RAM, 0 if it holds no
 * RAM, -1 if it mixes RAM and holes. Quirks kept on purpose: the cursor is
 * taken before the 1 MiB clamp (so a range reaching RAM from below 1 MiB is
 * mixed), and a hole after the last RAM piece is never noticed.
 */
export function patPagerangeIsRam(ram: SystemRam, start: number, end: number): -1 | 0 | 1 {
  const startPfn = Math.floor(start / 4096);
  // One page at or above 1 MiB (the per-page callers: a fault's lookup_memtype, set_pages_array's
  // reservations): the walk calls back at most once, for the whole page, exactly when page_is_ram()
  // holds; answered without building the walk's callback (112 bytes a call).
  if (Math.floor((end + 4095) / 4096) === startPfn + 1 && startPfn >= FIRST_TRACKED_PFN) return ram.pageIsRam(startPfn) ? 1 : 0;
  return pagerangeIsRamWalk(ram, start, end);
}

/** `pat_pagerange_is_ram()` as the kernel computes it, by `walk_system_ram_range()` with its callback. */
export function pagerangeIsRamWalk(ram: SystemRam, start: number, end: number): -1 | 0 | 1 {
  let startPfn = Math.floor(start / 4096);
  const endPfn = Math.floor((end + 4095) / 4096);
  let curPfn = startPfn;
  let isRam = false;
  let notRam = false;
  if (startPfn < FIRST_TRACKED_PFN) startPfn = FIRST_TRACKED_PFN;
  let ret = 0;
  if (startPfn < endPfn) {
    ret = ram.walkSystemRamRange(startPfn, endPfn - startPfn, (pfn, nr) => {
      notRam ||= pfn > curPfn;
      isRam ||= nr > 0;
      curPfn = pfn + nr;
      return isRam && notRam ? 1 : 0;
    });
  }
  return ret > 0 ? -1 : isRam ? 1 : 0;
}
