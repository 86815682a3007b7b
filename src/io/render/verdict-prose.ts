/**
 * The verdict's words, shared by the text, HTML and the interactive page so
 * all three say the same thing: the "installs" cell of a verdict row and the
 * bottom line's sentences, computed from `run/verdict.ts` (never written by
 * hand). Plain text; each renderer wraps or escapes it.
 */

import type { ScenarioComparison } from '../../run/result.js';
import { countPages } from '../../check/timeline.js';
import { bottomLine, commonChanges, type VerdictRow } from '../../run/verdict.js';
import { shortMode } from './html/modes.js';
import type { ExploreCitation } from '../../run/explore/citation.js';

/** yes / less (N) / no (N) / not run: does every successful call map what its caller asked for (docs/checks.md §6). */
export function installsCell(r: VerdictRow): string {
  if (r.ran === 0) return 'not run';
  if (r.weakerIn.length) return `no (${r.weakerIn.length})`;
  if (r.changedIn.length) return `less (${r.changedIn.length})`;
  return 'yes';
}

export interface BottomLineProse {
  /** Sentences in order, each with its tone (good: holds; warn: holds only with help); `fails` follows as a list. */
  lead: { text: string; tone: 'good' | 'warn' }[];
  fails: { policy: string; why: string }[];
  tail: string[];
}

export function bottomLineProse(results: readonly ScenarioComparison[], rows: readonly VerdictRow[]): BottomLineProse {
  const bl = bottomLine(rows);
  const list = (xs: readonly string[]): string => (xs.length ? xs.join(', ') : 'none');
  const lead: BottomLineProse['lead'] = [];
  const push = (text: string, tone: 'good' | 'warn' = 'good'): void => {
    lead.push({ text, tone });
  };
  push(`No page mapped with conflicting types, no hazard, no failed call${bl.needDebugChecks.length ? ', no debug WARN' : ''}: ${list(bl.holds)}.`);
  if (bl.needDebugChecks.length) push(`The same, but only with their debug-kernel checks WARNing where a driver asked for a conflicting mode: ${list(bl.needDebugChecks)}.`, 'warn');
  if (bl.cheapestCost) {
    const c = bl.cheapestCost;
    push(
      `Cheapest of those (CPA calls, then flushes, then tree entries, then refcount ops): ${list(bl.cheapest)}${bl.cheapest.length > 1 ? ', tied' : ''}, ` +
        `with ${c.cpaCalls} CPA calls, ${c.tlbFlushes} TLB flushes, ${c.clflushPages} pages clflushed, ${c.treeEntries} tree entries and ${c.refOps} refcount ops.`,
    );
  }
  const tail: string[] = [];
  for (const s of results) {
    const common = commonChanges(s);
    if (!common.length) continue;
    const calls = [...new Set(common.map((c) => `${c.call} ${shortMode(c.requested)}→${shortMode(c.installed)}`))].join(', ');
    tail.push(`In every design (${s.name}): ${calls}, ${countPages(common.map((c) => [c.pfn, c.npages]))} page(s): the kernel's own behaviour, not counted against any design.`);
  }
  if (bl.baseline) tail.push(`Today's kernel (baseline) ${bl.baseline === 'fails' ? 'fails' : 'holds'} on ${results.length === 1 ? 'this scenario' : 'these scenarios'}.`);
  return { lead, fails: bl.fails, tail };
}

/** The explore result's heading for the designs compared (docs/explore.md §7). */
export function exploreHeading(c: ExploreCitation): string {
  return `Explore (vocabulary ${c.vocabulary} on ${c.machine}, every call sequence up to ${c.depth} calls):`;
}

/** One sentence per compared design the explore result covers: what breaks, in how many calls, and what holds how far. */
export function exploreProse(c: ExploreCitation, designs: readonly string[]): { policy: string; text: string; tone: 'good' | 'warn' }[] {
  const out: { policy: string; text: string; tone: 'good' | 'warn' }[] = [];
  for (const name of designs) {
    const d = c.designs.find((x) => x.policy === name);
    if (!d) continue;
    const fails = d.invariants.filter((i) => i.status === 'violated').map((i) => `${i.invariant} in ${i.calls} call${i.calls === 1 ? '' : 's'}`);
    const holds = d.invariants.filter((i) => i.status === 'holds').map((i) => i.invariant);
    const states = d.states.toLocaleString('en-US').replace(/,/g, ' ');
    const parts: string[] = [];
    if (fails.length) parts.push(`breaks ${fails.join(', ')}`);
    if (holds.length) parts.push(`${holds.join(', ')} hold${holds.length === 1 ? 's' : ''} up to depth ${d.depth}${d.cut ? ' (state budget reached)' : ''}, ${states} states`);
    out.push({ policy: name, text: `${name}: ${parts.join('; ')}.`, tone: fails.length ? 'warn' : 'good' });
  }
  return out;
}
