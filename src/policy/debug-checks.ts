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


const KINDS = ['notram', 'pat', 'directmap', 'pageflag'] as const;
const NOTRAM = 0;
const PAT = 1;
const DIRECTMAP = 2;
const PAGEFLAG = 3;

/** The first offending page of a check, what it found there, and how many pages offended. */
interface Noted {
  pfn: number;
  got: CacheMode | null;
  n: number;
}

/** Count an offending page of check `kind` (an index in KINDS); the first one is kept. */
function note(first: (Noted | undefined)[], kind: number, pfn: number, got: CacheMode | null): void {
  const f = first[kind];
  if (f) f.n++;
  else first[kind] = { pfn, got, n: 1 };
}

/**
 * Run the checks over `pfns` requested as `mode`. Returns false when
 * `requireRam` and some pfn is not RAM (the caller refuses the insert).
 */
export function debugPatChecks(k: MmContext, fn: string, pfns: ArrayLike<number>, mode: CacheMode, requireRam: boolean): boolean {
  // By check, made at the first offending page: a clean call (one per page a fault inserts) allocates nothing.
  let first: (Noted | undefined)[] | null = null;
  for (let i = 0; i < pfns.length; i++) {
    const pfn = pfns[i]!;
    const isRam = k.memtype.pagerangeIsRam(pfn * PAGE_SIZE, pfn * PAGE_SIZE + PAGE_SIZE) !== 0;
    if (!isRam) {
      if (requireRam) note((first ??= []), NOTRAM, pfn, null);
      const t = k.memtype.lookupMemtype(pfn * PAGE_SIZE);
      if (t !== mode) note((first ??= []), PAT, pfn, t);
      continue;
    }
    const flag = k.memtype.pages.get(pfn) as CacheMode;
    const dm = directMapMode(k, pfn);
    if (dm !== null && dm !== mode) note((first ??= []), DIRECTMAP, pfn, dm);
    if (flag !== mode && (dm !== null || flag !== CM.WB)) note((first ??= []), PAGEFLAG, pfn, flag);
  }
  if (first === null) return true;
  const more = (n: number): string => (n > 1 ? ` (and ${n - 1} more pages)` : '');
  const hex = (pfn: number): string => '0x' + pfn.toString(16);
  KINDS.forEach((kind, i) => {
    const f = first[i];
    if (!f) return;
    const what =
      kind === 'notram'
        ? 'is not System RAM'
        : `requested ${cattrName(mode)}, ${kind === 'pat' ? 'PAT tracks' : kind === 'directmap' ? 'direct map is' : 'page memtype is'} ${cattrName(f.got!)}`;
    // Joined, not a template literal: one flat string rather than a tree of concatenations for the log
    // to keep (a design that WARNs per page keeps 2*10^5 of them).
    k.log.emit('warning-splat', ['WARNING: ', fn, ': pfn ', hex(f.pfn), ' ', what, more(f.n)].join(''));
  });
  return !(requireRam && first[NOTRAM] !== undefined);
}
