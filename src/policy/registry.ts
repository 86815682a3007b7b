/**
 * All designs, and composition (`a+b`): hook settings merge; a pair is
 * refused when either declares a conflict with the other or both set the
 * same hook to different values.
 */

import { BASELINE_HOOKS, type KernelHooks } from '../kernel/hooks.js';
import { baseline } from './baseline.js';
import { insertHonoursProt } from './insert-honours-prot.js';
import { pagesIntoPfnmap } from './pages-into-pfnmap.js';
import type { Policy } from './policy.js';
import { ramInTree } from './ram-in-tree.js';
import { ramPfnApi } from './ram-pfn-api.js';
import { registrationRule } from './registration-rule.js';
import { setPagesOnInsert } from './set-pages-on-insert.js';
import { skipWb } from './skip-wb.js';
import { ttmApplyToPageRange } from './ttm-apply-to-page-range.js';
import { ttmPrefaultPmd } from './ttm-prefault-pmd.js';
import { ttmSkipCaching } from './ttm-skip-caching.js';
import { vmInsertPagesPgprot } from './vm-insert-pages-pgprot.js';

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

/** Compose policies into one hook set, or throw a PolicyError saying why they cannot compose. */
export function compose(parts: readonly Policy[]): SelectedPolicy {
  const hooks: KernelHooks = { ...BASELINE_HOOKS };
  const setBy = new Map<keyof KernelHooks, string>();
  const skips: Record<string, string> = {};
  for (const p of parts) {
    for (const q of parts) {
      const why = p.conflicts?.[q.name];
      if (why) throw new PolicyError(`'${p.name}' and '${q.name}' cannot be combined: ${why}`);
    }
    for (const [key, value] of Object.entries(p.hooks) as [keyof KernelHooks, KernelHooks[keyof KernelHooks]][]) {
      const prev = setBy.get(key);
      if (prev !== undefined && hooks[key] !== value)
        throw new PolicyError(`'${prev}' and '${p.name}' set ${key} differently`);
      (hooks as unknown as Record<string, unknown>)[key] = value;
      setBy.set(key, p.name);
    }
    Object.assign(skips, p.skips ?? {});
  }
  return { name: parts.map((p) => p.name).join('+'), parts, hooks, skips };
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
  /** Hook settings that differ from today's kernel (src/kernel/hooks.ts). */
  hooks: Partial<KernelHooks>;
  /** Designs it cannot be combined with, and why (either side's declaration). */
  conflicts: { with: string; why: string }[];
}

/** The description of one design or of an `a+b` composition (parts joined), or null for an unknown name. */
export function describePolicy(name: string): PolicyDescription | null {
  const parts = name.split('+').map((n) => BY_NAME.get(n));
  if (parts.some((p) => p === undefined)) return null;
  const ps = parts as Policy[];
  const hooks: Partial<KernelHooks> = {};
  for (const p of ps) Object.assign(hooks, p.hooks);
  const conflicts: { with: string; why: string }[] = [];
  for (const q of POLICIES) {
    if (ps.includes(q)) continue;
    for (const p of ps) {
      const why = p.conflicts?.[q.name] ?? q.conflicts?.[p.name];
      if (why && !conflicts.some((c) => c.with === q.name)) conflicts.push({ with: q.name, why });
    }
  }
  return {
    name,
    standsFor: ps.map((p) => p.standsFor).join(' + '),
    title: ps.map((p) => p.title).join('; + '),
    spec: ps.map((p) => p.spec).join(', '),
    hooks,
    conflicts,
  };
}

/** Every design `--policies all` runs, described, in the order the comparison shows them. */
export function describeAll(): PolicyDescription[] {
  return [...POLICIES.map((p) => p.name), ...NOTABLE_COMPOSITIONS].map((n) => describePolicy(n)!);
}
