/**
 * The invariants `patlab explore` checks (docs/explore.md §3). Each reads
 * the judged run exactly as `patlab compare` judges it (the check layer's
 * aliases, changes, hazards and fatal outcome: one definition), except
 * `clean-teardown`, which compares a torn-down state with the boot state.
 */

import { cattrName } from '../../hw/cache-mode.js';
import { hex } from '../../hw/hex.js';
import { linearMappingsOf } from '../../check/inventory.js';
import type { Kernel } from '../../kernel/kernel.js';
import { PG_BUDDY } from '../../kernel/mm/page.js';
import { patMemtypeList } from '../../kernel/pat/memtype-list.js';
import type { PolicyResult } from '../result.js';

export const INVARIANTS = ['no-high-alias', 'no-silent-change', 'no-weaker-change', 'no-hazard', 'no-fatal', 'no-sigbus', 'clean-teardown'] as const;
export type InvariantName = (typeof INVARIANTS)[number];

export const INVARIANT_DOCS: Record<InvariantName, string> = {
  'no-high-alias': 'no page is mapped cacheable and uncached at once (a high-severity alias, docs/checks.md §2)',
  'no-silent-change': 'no successful call maps a page with another mode than its caller asked (docs/checks.md §3)',
  'no-weaker-change': 'no successful call maps a page more cacheable than asked (WC or UC turned WB; docs/checks.md §3)',
  'no-hazard': 'no page is freed, pooled or referenced while another party holds it (docs/checks.md §4)',
  'no-fatal': 'no call ends in a fatal kernel outcome (a BUG or an oops: the run stops there)',
  'no-sigbus': 'no fault is answered with VM_FAULT_SIGBUS (the faulting process is killed; docs/checks.md §5)',
  'clean-teardown': 'once every handle is gone, the memtype tree is as at boot and every page back in the allocator has its boot refcount, mapcount, flags, page-flag memtype and direct-map type',
};

export interface Violation {
  invariant: InvariantName;
  /** The step at which it shows (the sequence's last, for a shortest one). */
  step: number;
  detail: string;
}

/** The violations of a judged run, one per invariant (the first the check lists). */
export function runViolations(r: PolicyResult, wanted: ReadonlySet<InvariantName>): Violation[] {
  const out: Violation[] = [];
  const add = (invariant: InvariantName, step: number, detail: string): void => {
    if (wanted.has(invariant)) out.push({ invariant, step, detail });
  };
  const high = r.aliases.find((a) => a.severity === 'high');
  if (high)
    add('no-high-alias', high.from, `pfn ${hex(high.pfn)}${high.npages > 1 ? ` (+${high.npages - 1})` : ''} is mapped ${high.modes.join(' and ')} at once: ${high.mappings.map((m) => `${m.owner} (${m.kind}) ${m.type}`).join(', ')}`);
  const ch = r.changes[0];
  if (ch) add('no-silent-change', ch.step, `${ch.call} asked for ${ch.requested} at pfn ${hex(ch.pfn)} and got ${ch.installed}`);
  const weak = r.changes.find((c) => c.class === 'weaker');
  if (weak) add('no-weaker-change', weak.step, `${weak.call} asked for ${weak.requested} at pfn ${hex(weak.pfn)} and got ${weak.installed}`);
  const hz = r.hazards[0];
  if (hz) add('no-hazard', hz.step, `pfn ${hex(hz.pfn)}: ${hz.detail}`);
  const bus = r.errors.find((e) => e.what.startsWith('VM_FAULT_SIGBUS'));
  if (bus) add('no-sigbus', bus.step, `${bus.call} → ${bus.what}${bus.reason ? `: ${bus.reason}` : ''}`);
  if (r.fatal) add('no-fatal', r.fatal.step, `${r.fatal.what} in ${r.fatal.where}`);
  return out;
}

/** What a torn-down kernel still differs in from the booted one, over the pages the sequence touched; null when nothing. */
export function teardownResidue(k: Kernel, boot: Kernel, touched: Iterable<number>): string | null {
  const now = patMemtypeList(k.memtype) ?? [];
  const then = patMemtypeList(boot.memtype) ?? [];
  if (now.join('\n') !== then.join('\n')) {
    const extra = now.filter((l) => !then.includes(l));
    return `the memtype tree keeps ${extra.length ? extra[0] : 'other entries than at boot'}`;
  }
  const typeOf = (kk: Kernel, pfn: number): string => {
    for (const r of kk.memtype.pages.nonWbRuns()) if (pfn >= r.start && pfn < r.end) return cattrName(r.type);
    return 'write-back';
  };
  const pg = k.pages;
  for (const pfn of [...new Set(touched)].sort((a, b) => a - b)) {
    if (pfn >= pg.nPfns || !(pg.flags.get(pfn) & PG_BUDDY)) continue;
    const b = boot.pages;
    const what: string[] = [];
    if (pg.refcount.get(pfn) !== b.refcount.get(pfn)) what.push(`refcount ${pg.refcount.get(pfn)} (boot ${b.refcount.get(pfn)})`);
    if (pg.mapcount.get(pfn) !== b.mapcount.get(pfn)) what.push(`mapcount ${pg.mapcount.get(pfn)} (boot ${b.mapcount.get(pfn)})`);
    if (pg.flags.get(pfn) !== b.flags.get(pfn)) what.push(`flags ${hex(pg.flags.get(pfn))} (boot ${hex(b.flags.get(pfn))})`);
    const t = typeOf(k, pfn);
    if (t !== typeOf(boot, pfn)) what.push(`page-flag memtype ${t}`);
    const lin = (kk: Kernel): string => linearMappingsOf(kk, pfn).map((m) => `${m.kind} ${cattrName(kk.tables.pgprot2cachemode(m.bits4k))}`).join(', ');
    if (lin(k) !== lin(boot)) what.push(`${lin(k) || 'no linear mapping'} (boot ${lin(boot) || 'none'})`);
    if (what.length) return `free pfn ${hex(pfn)} is back in the allocator with ${what.join(', ')}`;
  }
  return null;
}
