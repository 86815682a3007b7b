/**
 * `patlab explore --format json` output (format patlab-explore/1): the
 * designs as written (each counterexample step's outputs as text), and
 * reading it back for `patlab compare --explore FILE`: checked field by
 * field, so a file that is not one says so on one line instead of being
 * half read.
 */

import { InputError } from '../../run/input-error.js';
import { packagedFile } from '../data/files.js';
import { citationOf, type ExploreCitation } from '../../run/explore/citation.js';
import type { DesignExplore } from '../../run/explore/explore.js';
import { INVARIANTS } from '../../run/explore/invariants.js';
import { fieldsText } from '../render/out-value.js';

/** The designs as the JSON has them: every counterexample step's typed outputs as their text (io/render/out-value.ts), keys in the order the search made them. */
export function designsJson(designs: readonly DesignExplore[]): unknown[] {
  return designs.map((d) => ({
    ...d,
    results: d.results.map((x) => (x.counterexample ? { ...x, counterexample: { ...x.counterexample, steps: x.counterexample.steps.map((s) => ({ ...s, fields: fieldsText(s.fields) })) } } : x)),
  }));
}

export function readExploreCitation(text: string, file: string): ExploreCitation {
  const fail = (what: string): never => {
    throw new InputError(file, 1, 1, `not a patlab explore result: ${what} (expected the output of 'patlab explore --format json', format patlab-explore/1)`);
  };
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    return fail(`not JSON (${(e as Error).message})`);
  }
  const o = j as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || o['format'] !== 'patlab-explore/1') return fail(`'format' is ${JSON.stringify((o as Record<string, unknown> | null)?.['format'] ?? null)}`);
  if (typeof o['vocabulary'] !== 'string' || typeof o['machine'] !== 'string' || !Number.isInteger(o['depth'])) fail("missing 'vocabulary', 'machine' or 'depth'");
  if (!Array.isArray(o['designs'])) fail("'designs' is not a list");
  (o['designs'] as unknown[]).forEach((d, i) => {
    const x = d as Record<string, unknown>;
    if (typeof x?.['policy'] !== 'string' || !Number.isInteger(x['states']) || !Number.isInteger(x['depth']) || typeof x['cut'] !== 'boolean' || !Array.isArray(x['results']))
      fail(`designs[${i}] lacks policy, states, depth, cut or results`);
    (x['results'] as unknown[]).forEach((r, k) => {
      const y = r as Record<string, unknown>;
      if (!(INVARIANTS as readonly unknown[]).includes(y?.['invariant']) || (y['status'] !== 'holds' && y['status'] !== 'violated')) fail(`designs[${i}].results[${k}] is not an invariant's verdict`);
      const cx = y['counterexample'] as Record<string, unknown> | undefined;
      if (y['status'] === 'violated' && (!cx || !Array.isArray(cx['steps']) || typeof cx['detail'] !== 'string')) fail(`designs[${i}].results[${k}] is violated without a counterexample`);
    });
  });
  return citationOf({ vocabulary: o['vocabulary'] as string, machine: o['machine'] as string, depth: o['depth'] as number, designs: o['designs'] as DesignExplore[] });
}

/** The explore result shipped with patlab (explore/precomputed.json: `patlab explore --depth 6 --format json` on the default vocabulary), cited by the built-in report and the page. */
export function precomputedCitation(): ExploreCitation {
  return readExploreCitation(packagedFile('explore/precomputed.json'), '<built-in explore/precomputed.json>');
}
