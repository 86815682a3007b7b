/**
 * The debug-kernel checks the debated options propose (spec 06 §3), the
 * implementation of hook `debugChecks` that Christian's fix and option 2
 * supply; the kernel runs it only on paths that install the caller's cache
 * bits without the PAT lookup (Christian's fix, option 1, option 2, the
 * mixture). Each check prints one WARN for the first offending page of a
 * call (`(and N more pages)` when several), and lets the insert go on,
 * except that option 2 refuses a non-RAM pfn with `VM_FAULT_SIGBUS` (model
 * choice, spec 06 §3 "model choice").
 *
 * Messages (`<fn>` = the API, modes as `cattr_name`):
 * - `WARNING: <fn>: pfn 0x<pfn> is not System RAM` (option 2's precondition)
 * - `WARNING: <fn>: pfn 0x<pfn> requested <mode>, PAT tracks <mode>` — non-RAM:
 *   `lookup_memtype()` disagrees (missing or conflicting reservation)
 * - `WARNING: <fn>: pfn 0x<pfn> requested <mode>, direct map is <mode>` — lowmem
 *   RAM whose direct-map leaf has another mode (the driver skipped `set_pages_*`)
 * - `WARNING: <fn>: pfn 0x<pfn> requested <mode>, page memtype is <mode>` — RAM
 *   whose PAT page flag disagrees (for highmem only a non-WB flag can be judged:
 *   WB is both the default and a value)
 */

import { cattrName, CM, type CacheMode } from '../hw/cache-mode.js';
import { directMapMode } from '../kernel/mm/direct-map-mode.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { PAGE_SIZE } from '../hw/page.js';


type Kind = 'notram' | 'pat' | 'directmap' | 'pageflag';

/**
 * Run the checks over `pfns` requested as `mode`. Returns false when
 * `requireRam` and some pfn is not RAM (the caller refuses the insert).
 */
export function debugPatChecks(k: MmContext, fn: string, pfns: ArrayLike<number>, mode: CacheMode, requireRam: boolean): boolean {
  const first = new Map<Kind, { pfn: number; got: CacheMode | null; n: number }>();
  const note = (kind: Kind, pfn: number, got: CacheMode | null): void => {
    const f = first.get(kind);
    if (f) f.n++;
    else first.set(kind, { pfn, got, n: 1 });
  };
  for (let i = 0; i < pfns.length; i++) {
    const pfn = pfns[i]!;
    const isRam = k.memtype.pagerangeIsRam(pfn * PAGE_SIZE, pfn * PAGE_SIZE + PAGE_SIZE) !== 0;
    if (!isRam) {
      if (requireRam) note('notram', pfn, null);
      const t = k.memtype.lookupMemtype(pfn * PAGE_SIZE);
      if (t !== mode) note('pat', pfn, t);
      continue;
    }
    const flag = k.memtype.pages.get(pfn) as CacheMode;
    const dm = directMapMode(k, pfn);
    if (dm !== null && dm !== mode) note('directmap', pfn, dm);
    if (flag !== mode && (dm !== null || flag !== CM.WB)) note('pageflag', pfn, flag);
  }
  const more = (n: number): string => (n > 1 ? ` (and ${n - 1} more pages)` : '');
  const hex = (pfn: number): string => '0x' + pfn.toString(16);
  for (const kind of ['notram', 'pat', 'directmap', 'pageflag'] as const) {
    const f = first.get(kind);
    if (!f) continue;
    const what =
      kind === 'notram'
        ? 'is not System RAM'
        : `requested ${cattrName(mode)}, ${kind === 'pat' ? 'PAT tracks' : kind === 'directmap' ? 'direct map is' : 'page memtype is'} ${cattrName(f.got!)}`;
    k.log.emit('warning-splat', `WARNING: ${fn}: pfn ${hex(f.pfn)} ${what}${more(f.n)}`);
  }
  return !(requireRam && first.has('notram'));
}
