/**
 * `patlab compare --diff A,B`: only what differs between two designs on
 * each scenario (issue 12 item 5): outcome, totals, reported mappings,
 * aliases, mode changes, hazards, failed calls, debug WARNs, costs and each
 * step's kernel messages. Items are matched by what they are (pfn range,
 * step, call, modes), so an entry present under both designs is not shown.
 */

import type { PolicyResult, ReportedMapping, ScenarioComparison } from './result.js';

export interface FieldChange {
  what: string;
  a: string;
  b: string;
}

/** Items (rendered one per line) present under one design only. */
export interface OnlyIn {
  a: string[];
  b: string[];
}

export interface ScenarioDiff {
  name: string;
  machine: string;
  kernel: string;
  outcome: FieldChange | null;
  totals: FieldChange[];
  mappings: FieldChange[];
  aliases: OnlyIn;
  changes: OnlyIn;
  hazards: OnlyIn;
  errors: OnlyIn;
  costs: FieldChange[];
  /** Per step whose kernel messages differ: the lines under one design only. */
  messages: { step: number; call: string; a: string[]; b: string[] }[];
}

export interface DesignDiff {
  a: string;
  b: string;
  scenarios: ScenarioDiff[];
}

const hex = (n: number): string => '0x' + n.toString(16);
const range = (pfn: number, n: number): string => (n > 1 ? `pfn ${hex(pfn)}-${hex(pfn + n - 1)} (${n} pages)` : `pfn ${hex(pfn)}`);

function onlyIn(a: readonly string[], b: readonly string[]): OnlyIn {
  const count = (xs: readonly string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  // A multiset difference: an item listed twice under A and once under B shows once.
  const minus = (xs: readonly string[], other: Map<string, number>): string[] => {
    const left = new Map(other);
    const out: string[] = [];
    for (const x of xs) {
      const n = left.get(x) ?? 0;
      if (n > 0) left.set(x, n - 1);
      else out.push(x);
    }
    return out;
  };
  return { a: minus(a, count(b)), b: minus(b, count(a)) };
}

/** Per-page changes of one step and call with the same modes, as runs of consecutive pfns. */
function mergeChanges(cs: PolicyResult['changes']): PolicyResult['changes'] {
  const key = (c: PolicyResult['changes'][number]): string => `${c.step}|${c.call}|${c.requested}|${c.installed}|${c.class}`;
  const sorted = [...cs].sort((x, y) => x.step - y.step || key(x).localeCompare(key(y)) || x.pfn - y.pfn);
  const out: PolicyResult['changes'] = [];
  for (const c of sorted) {
    const last = out[out.length - 1];
    if (last && key(last) === key(c) && last.pfn + last.npages === c.pfn) out[out.length - 1] = { ...last, npages: last.npages + c.npages };
    else out.push({ ...c });
  }
  return out;
}

function mappingText(m: ReportedMapping | undefined): string {
  if (!m) return 'not created';
  const life = m.from === null ? '' : `, steps ${m.from}${m.to === null ? '-end' : `-${m.to}`}`;
  return `${m.effective} (${m.kind}, requested ${m.requested}, PTE ${m.installed}, ${range(m.pfn, m.npages)}${life})`;
}

function fieldChanges(a: Readonly<Record<string, number | boolean>>, b: Readonly<Record<string, number | boolean>>): FieldChange[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const out: FieldChange[] = [];
  for (const k of keys) {
    const x = a[k] ?? 0;
    const y = b[k] ?? 0;
    if (x !== y) out.push({ what: k, a: String(x), b: String(y) });
  }
  return out;
}

function outcomeText(p: PolicyResult): string {
  return p.outcome === 'ok' ? 'ok' : `${p.outcome}${p.reason ? `: ${p.reason}` : ''}`;
}

export function diffPolicies(s: ScenarioComparison, a: PolicyResult, b: PolicyResult): ScenarioDiff {
  const names = [...new Set([...a.mappings, ...b.mappings].map((m) => m.name))];
  const mappings: FieldChange[] = [];
  for (const n of names) {
    const x = mappingText(a.mappings.find((m) => m.name === n));
    const y = mappingText(b.mappings.find((m) => m.name === n));
    if (x !== y) mappings.push({ what: n, a: x, b: y });
  }
  const alias = (p: PolicyResult): string[] => p.aliases.map((r) => `${range(r.pfn, r.npages)} ${r.severity} ${r.modes.join('+')}, steps ${r.from}${r.to === null ? '-end' : `-${r.to}`}`);
  const change = (p: PolicyResult): string[] => mergeChanges(p.changes).map((c) => `step ${c.step} ${c.call}: ${range(c.pfn, c.npages)} asked ${c.requested}, got ${c.installed} (${c.class})`);
  const hazard = (p: PolicyResult): string[] => p.hazards.map((h) => `step ${h.step} ${h.kind}: ${range(h.pfn, h.npages)}: ${h.detail}`);
  const error = (p: PolicyResult): string[] => p.errors.map((e) => `step ${e.step} ${e.call} ${e.what}${e.reason ? ` (${e.reason})` : ''}`);
  const messages: ScenarioDiff['messages'] = [];
  const sa = a.detail?.steps ?? [];
  const sb = new Map((b.detail?.steps ?? []).map((st) => [st.index, st]));
  const seen = new Set<number>();
  for (const st of sa) {
    seen.add(st.index);
    const o = onlyIn(st.messages, sb.get(st.index)?.messages ?? []);
    if (o.a.length || o.b.length) messages.push({ step: st.index, call: st.call, ...o });
  }
  for (const st of b.detail?.steps ?? []) if (!seen.has(st.index) && st.messages.length) messages.push({ step: st.index, call: st.call, a: [], b: [...st.messages] });
  messages.sort((x, y) => x.step - y.step);
  const oa = outcomeText(a);
  const ob = outcomeText(b);
  return {
    name: s.name,
    machine: s.machine,
    kernel: s.kernel,
    outcome: oa === ob ? null : { what: 'outcome', a: oa, b: ob },
    totals: fieldChanges(a.totals as unknown as Record<string, number | boolean>, b.totals as unknown as Record<string, number | boolean>),
    mappings,
    aliases: onlyIn(alias(a), alias(b)),
    changes: onlyIn(change(a), change(b)),
    hazards: onlyIn(hazard(a), hazard(b)),
    errors: onlyIn(error(a), error(b)),
    // WARNs are kernel messages: their lines are in `messages`; the count says how many.
    costs: fieldChanges({ ...a.costs, debugWarns: a.warns.length }, { ...b.costs, debugWarns: b.warns.length }),
    messages,
  };
}

/** True when the two designs did exactly the same on this scenario, as far as the diff looks. */
export function isSame(d: ScenarioDiff): boolean {
  const none = (o: OnlyIn): boolean => !o.a.length && !o.b.length;
  return !d.outcome && !d.totals.length && !d.mappings.length && none(d.aliases) && none(d.changes) && none(d.hazards) && none(d.errors) && !d.costs.length && !d.messages.length;
}

/** The diff of designs `a` and `b` over every scenario of a comparison that ran both. */
export function diffDesigns(results: readonly ScenarioComparison[], a: string, b: string): DesignDiff {
  const scenarios: ScenarioDiff[] = [];
  for (const s of results) {
    const pa = s.policies.find((p) => p.policy === a);
    const pb = s.policies.find((p) => p.policy === b);
    if (pa && pb) scenarios.push(diffPolicies(s, pa, pb));
  }
  return { a, b, scenarios };
}
