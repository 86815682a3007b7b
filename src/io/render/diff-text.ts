/**
 * `patlab compare --diff A,B` as text: per scenario only what differs, as
 * `A → B` for values and `-` (only under A) / `+` (only under B) for items,
 * like a unified diff. Lists longer than a screen are cut with a count; the
 * JSON has every line.
 */

import type { DesignDiff, FieldChange, OnlyIn } from '../../run/diff.js';
import { isSame } from '../../run/diff.js';

const MAX_ITEMS = 12;

function items(out: string[], title: string, o: OnlyIn): void {
  if (!o.a.length && !o.b.length) return;
  out.push(`   ${title}:`);
  const list = (sign: string, xs: readonly string[]): void => {
    for (const x of xs.slice(0, MAX_ITEMS)) out.push(`     ${sign} ${x}`);
    if (xs.length > MAX_ITEMS) out.push(`     ${sign} ... ${xs.length - MAX_ITEMS} more (--format json lists them all)`);
  };
  list('-', o.a);
  list('+', o.b);
}

function fields(out: string[], title: string, fs: readonly FieldChange[]): void {
  if (!fs.length) return;
  out.push(`   ${title}: ${fs.map((f) => `${f.what} ${f.a} → ${f.b}`).join('; ')}`);
}

export function diffToText(d: DesignDiff): string {
  const out: string[] = [`== diff ${d.a} → ${d.b}: '-' only under ${d.a}, '+' only under ${d.b}`];
  const same: string[] = [];
  for (const s of d.scenarios) {
    if (isSame(s)) {
      same.push(s.name);
      continue;
    }
    out.push('', `-- ${s.name} (${s.machine}, kernel ${s.kernel})`);
    if (s.outcome) out.push(`   outcome: ${s.outcome.a} → ${s.outcome.b}`);
    fields(out, 'totals', s.totals);
    for (const m of s.mappings) out.push(`   mapping ${m.what}:`, `     - ${m.a}`, `     + ${m.b}`);
    items(out, 'aliases', s.aliases);
    items(out, 'mode changes', s.changes);
    items(out, 'hazards', s.hazards);
    items(out, 'failed calls', s.errors);
    fields(out, 'costs', s.costs);
    for (const m of s.messages) items(out, `kernel messages, step ${m.step} (${m.call})`, m);
  }
  if (same.length) out.push('', `No difference on ${same.length} scenario(s): ${same.join(', ')}.`);
  if (!d.scenarios.length) out.push('', 'No scenario ran both designs.');
  return out.join('\n') + '\n';
}
