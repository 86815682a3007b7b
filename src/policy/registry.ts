/**
 * All designs, and composition (`a+b`): hook implementations merge; a pair
 * is refused when both set the same hook (choices that exclude each other
 * are one hook) with different implementations, or when either declares a
 * conflict with the other. The calls the parts add become available.
 */

import type { CallSpec } from '../calls/types.js';
import { BASELINE_HOOKS, type KernelHooks } from '../kernel/hooks.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { baseline } from './baseline.js';
import { insertHonoursProt } from './insert-honours-prot.js';
import { pagesIntoPfnmap } from './pages-into-pfnmap.js';
import type { Policy } from './policy.js';
import { ramInTree } from './ram-in-tree.js';
import { ramPfnApi } from './ram-pfn-api.js';
import { registrationRule } from './registration-rule.js';
import { setPagesHighmem } from './set-pages-highmem.js';
import { setPagesOnInsert } from './set-pages-on-insert.js';
import { skipWb } from './skip-wb.js';
import { ttmApplyToPageRange } from './ttm-apply-to-page-range.js';
import { ttmPrefaultPmd } from './ttm-prefault-pmd.js';
import { ttmSkipCaching } from './ttm-skip-caching.js';
import { vmInsertPagesPgprotPolicy as vmInsertPagesPgprot } from './vm-insert-pages-pgprot.js';

/** In the order the comparison shows them. */
export const POLICIES: readonly Policy[] = [
  baseline,
  vmInsertPagesPgprot,
  pagesIntoPfnmap,
  ramPfnApi,
  registrationRule,
  skipWb,
  ramInTree,
  insertHonoursProt,
  setPagesOnInsert,
  ttmApplyToPageRange,
  ttmPrefaultPmd,
  ttmSkipCaching,
  setPagesHighmem,
];

const BY_NAME = new Map(POLICIES.map((p) => [p.name, p]));

/**
 * Compositions `all` adds after the single designs, because the debate
 * discussed them as packages: 3a needs 3c to decide RAM (06 §3), and the
 * RFC series is 1/3 + 3/3 (stop changing caching, bypass the lookup); the
 * WIP with Christian's fix shows the WB direct-map alias it leaves.
 */
export const NOTABLE_COMPOSITIONS: readonly string[] = [
  'registration-rule+ram-in-tree',
  'ttm-skip-caching+ttm-apply-to-page-range',
  'ttm-skip-caching+insert-honours-prot',
];

export function policyByName(name: string): Policy | undefined {
  return BY_NAME.get(name);
}

/** A selected design: one policy or a composition, with its full hook settings. */
export interface SelectedPolicy {
  name: string;
  parts: readonly Policy[];
  hooks: KernelHooks;
  skips: Readonly<Record<string, string>>;
}

export class PolicyError extends Error {}

type HookKey = keyof Omit<KernelHooks, 'calls'>;

/** The hook two designs both set with different implementations, if any: they exclude each other. */
export function sharedHook(p: Policy, q: Policy): HookKey | null {
  for (const key of Object.keys(p.hooks) as HookKey[]) if (key in q.hooks && q.hooks[key] !== p.hooks[key]) return key;
  return null;
}

/** Compose policies into one hook set, or throw a PolicyError saying why they cannot compose. */
export function compose(parts: readonly Policy[]): SelectedPolicy {
  const hooks: KernelHooks = { ...BASELINE_HOOKS };
  const skips: Record<string, string> = {};
  const calls = new Set<string>();
  for (const [i, p] of parts.entries()) {
    for (const q of parts.slice(0, i)) {
      const why = p.conflicts?.[q.name] ?? q.conflicts?.[p.name];
      if (why) throw new PolicyError(`'${q.name}' and '${p.name}' cannot be combined: ${why}`);
      const key = sharedHook(q, p);
      if (key) throw new PolicyError(`'${q.name}' and '${p.name}' cannot be combined: both implement hook ${key} (choose one)`);
    }
    Object.assign(hooks, p.hooks);
    for (const c of p.calls ?? []) calls.add(c.name);
    Object.assign(skips, p.skips ?? {});
  }
  if (calls.size) hooks.calls = calls;
  return { name: parts.map((p) => p.name).join('+'), parts, hooks, skips };
}

/** Every kernel call the designs add, for the call table (a scenario may name them under any design; they run only under theirs). */
export function designCalls(): CallSpec<MmContext>[] {
  return POLICIES.flatMap((p) => [...(p.calls ?? [])]);
}

/**
 * Parse `--policies`: `all`, or a comma list of names and `a+b` compositions.
 * Throws PolicyError naming the unknown policy (with a suggestion) or the conflict.
 */
export function selectPolicies(spec: string, suggest: (word: string, candidates: string[]) => string = () => ''): SelectedPolicy[] {
  const names = POLICIES.map((p) => p.name);
  if (spec === 'all') return [...POLICIES.map((p) => compose([p])), ...NOTABLE_COMPOSITIONS.map((c) => compose(c.split('+').map((n) => BY_NAME.get(n)!)))];
  const out: SelectedPolicy[] = [];
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const parts = item.split('+').map((n) => {
      const p = BY_NAME.get(n);
      if (!p) throw new PolicyError(`unknown policy '${n}'${suggest(n, names)}: expected one of ${names.join(', ')}`);
      return p;
    });
    out.push(compose(parts));
  }
  if (out.length === 0) throw new PolicyError(`no policy selected: expected 'all' or names like ${names.slice(0, 3).join(', ')}`);
  return out;
}

/** What a user reads about a design: its name, the thread's name for it, a title, the hooks it sets and what it conflicts with. */
export interface PolicyDescription {
  name: string;
  standsFor: string;
  title: string;
  spec: string;
  /** The hook points it implements (src/kernel/hooks.ts); the rest run the kernel's own code. */
  hooks: string[];
  /** Kernel calls it adds. */
  calls: string[];
  /** Designs it cannot be combined with, and why (either side's declaration). */
  conflicts: { with: string; why: string }[];
}

/** The description of one design or of an `a+b` composition (parts joined), or null for an unknown name. */
export function describePolicy(name: string): PolicyDescription | null {
  const parts = name.split('+').map((n) => BY_NAME.get(n));
  if (parts.some((p) => p === undefined)) return null;
  const ps = parts as Policy[];
  const hooks = [...new Set(ps.flatMap((p) => Object.keys(p.hooks)))];
  const calls = ps.flatMap((p) => (p.calls ?? []).map((c) => c.name));
  const conflicts: { with: string; why: string }[] = [];
  for (const q of POLICIES) {
    if (ps.includes(q)) continue;
    for (const p of ps) {
      const key = sharedHook(p, q);
      const why = p.conflicts?.[q.name] ?? q.conflicts?.[p.name] ?? (key ? `both implement hook ${key}; choose one` : undefined);
      if (why && !conflicts.some((c) => c.with === q.name)) conflicts.push({ with: q.name, why });
    }
  }
  return {
    name,
    standsFor: ps.map((p) => p.standsFor).join(' + '),
    title: ps.map((p) => p.title).join('; + '),
    spec: ps.map((p) => p.spec).join(', '),
    hooks,
    calls,
    conflicts,
  };
}

/** Every design `--policies all` runs, described, in the order the comparison shows them. */
export function describeAll(): PolicyDescription[] {
  return [...POLICIES.map((p) => p.name), ...NOTABLE_COMPOSITIONS].map((n) => describePolicy(n)!);
}
