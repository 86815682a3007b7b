/**
 * patlab explore: it finds the debate's failures by search, reports "holds"
 * where a design prevents one (checked against an independent brute force:
 * every sequence up to depth 3, no deduplication), and every counterexample
 * it writes replays with the scenario runner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { counterexampleYaml } from '../../../src/io/explore/counterexample-yaml.js';
import { designsJson } from '../../../src/io/explore/explore-json.js';
import { parseVocabulary } from '../../../src/io/explore/vocabulary.js';
import { loadPreset } from '../../../src/io/machine/load-machine.js';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { packagedFile } from '../../../src/io/data/files.js';
import { selectPolicies } from '../../../src/policy/registry.js';
import { CALLS, KERNEL_DRIVER } from '../../../src/run/driver.js';
import { runScenario } from '../../../src/run/execute.js';
import { childOf, exploreContext, exploreDesign, successorsOf, type ExploreContext, type ExploreNode, type InvariantResult } from '../../../src/run/explore/explore.js';
import { INVARIANTS, type InvariantName } from '../../../src/run/explore/invariants.js';
import { fingerprint } from '../../../src/run/explore/fingerprint.js';
import type { Kernel } from '../../../src/kernel/kernel.js';
import { vmState } from '../../../src/kernel/vm/mm.js';
import type { UserPtes } from '../../../src/kernel/vm/user-ptes.js';
import type { Vocabulary } from '../../../src/run/explore/vocabulary.js';
import { REPO_ROOT } from '../../shared-dir.js';

const DEFAULT = (): Vocabulary => parseVocabulary(packagedFile('explore/default.yaml'), 'default.yaml', CALLS);
const policy = (name: string) => selectPolicies(name)[0]!;
const result = (rs: InvariantResult[], inv: InvariantName): InvariantResult => rs.find((r) => r.invariant === inv)!;

/** Every counterexample, written as a scenario, reproduces: each step's expect holds under the design. */
function assertReplays(vocab: Vocabulary, design: string, rs: InvariantResult[]): void {
  for (const r of rs) {
    if (!r.counterexample) continue;
    const text = counterexampleYaml(r.counterexample, design, vocab.name, vocab.machineYaml, 'cx.yaml');
    const sc = loadScenarioFile(text, 'cx.yaml');
    const o = runScenario(sc, KERNEL_DRIVER, { hooks: policy(design).hooks });
    assert.deepEqual(o.failures, [], `${design} ${r.invariant}:\n${text}`);
    assert.equal(sc.steps.length, r.counterexample.steps.length);
  }
}

test("today's kernel turns a driver's WC into WB for a highmem page in no more calls than the hand-written scenario", () => {
  const text = packagedFile('explore/default.yaml').replace('gfp: [GFP_KERNEL, GFP_HIGHUSER]', 'gfp: GFP_HIGHUSER');
  const vocab = parseVocabulary(text, 'highmem.yaml', CALLS);
  const handWritten = loadScenarioFile(readFileSync(join(REPO_ROOT, 'scenarios/spec04/case01-highmem-insert-wc.yaml'), 'utf8'), 'case01.yaml');
  const opts = { depth: 3, maxStates: 100000, invariants: ['no-weaker-change'] as InvariantName[] };
  const base = exploreDesign(vocab, policy('baseline'), opts);
  const r = result(base.results, 'no-weaker-change');
  assert.equal(r.status, 'violated');
  const cx = r.counterexample!;
  assert.ok(cx.steps.length <= handWritten.steps.length, `${cx.steps.length} calls`);
  assert.match(cx.detail, /asked for write-combining .* got write-back/);
  assert.equal(cx.steps.find((s) => s.call === 'alloc_pages')!.fields['zone'], 'HighMem');
  assertReplays(vocab, 'baseline', base.results);
  // The design that honours the prot keeps WC: the same search finds nothing.
  const fixed = exploreDesign(vocab, policy('insert-honours-prot'), opts);
  assert.equal(result(fixed.results, 'no-weaker-change').status, 'holds');
  assert.equal(fixed.depth, 3);
  assert.ok(fixed.states > 1);
});

const TTM = `name: ttm
machine: small-x86-64
handles: { dev: 1, bo: 1, bomap: 1 }
calls:
  - ttm_device_init: {}
    as: dev
  - ttm_bo_create: { size: 16K, caching: WC }
    as: bo
    requires: dev
  - ttm_bo_mmap_obj: { bo: $bo }
    as: bomap
    hold: { bo: $as }
  - ttm_bo_vm_fault: { addr: $bomap, write: true }
`;

test('TTM skipping caching with an insert that honours the prot leaves a WB direct map under a WC user mapping', () => {
  const vocab = parseVocabulary(TTM, 'ttm.yaml', CALLS);
  const opts = { depth: 4, maxStates: 100000, invariants: ['no-high-alias'] as InvariantName[] };
  const r = exploreDesign(vocab, policy('ttm-skip-caching+insert-honours-prot'), opts);
  const cx = result(r.results, 'no-high-alias').counterexample!;
  assert.ok(cx, 'a counterexample');
  assert.deepEqual(cx.steps.map((s) => s.call), ['ttm_device_init', 'ttm_bo_create', 'ttm_bo_mmap_obj', 'ttm_bo_vm_fault']);
  assert.match(cx.detail, /direct map \(direct\) WB/);
  assert.match(cx.detail, /\(user\) WC/);
  assertReplays(vocab, 'ttm-skip-caching+insert-honours-prot', r.results);
  // Each half alone is alias-free on this path: TTM keeps the direct map WC, or the insert follows PAT.
  for (const d of ['baseline', 'ttm-skip-caching', 'insert-honours-prot']) assert.equal(result(exploreDesign(vocab, policy(d), opts).results, 'no-high-alias').status, 'holds', d);
});

test("option 1 (vm_insert_pages_pgprot) SIGBUSes on TTM's non-compound blocks, on the default vocabulary", () => {
  const vocab = DEFAULT();
  const r = exploreDesign(vocab, policy('vm-insert-pages-pgprot'), { depth: 4, maxStates: 100000, invariants: ['no-sigbus'] });
  const cx = result(r.results, 'no-sigbus').counterexample!;
  assert.ok(cx);
  assert.equal(cx.steps.at(-1)!.call, 'ttm_bo_vm_fault');
  assert.match(cx.detail, /VM_FAULT_SIGBUS: validate_page_before_insert: folio_ref_count == 0/);
  assertReplays(vocab, 'vm-insert-pages-pgprot', r.results);
  assert.equal(result(exploreDesign(vocab, policy('baseline'), { depth: 4, maxStates: 100000, invariants: ['no-sigbus'] }).results, 'no-sigbus').status, 'holds');
});

/** Every sequence up to `depth`, no deduplication: per invariant, the length of the shortest violation (or null). */
function bruteForce(ctx: ExploreContext, root: ExploreNode, depth: number): Map<InvariantName, number | null> {
  const best = new Map<InvariantName, number | null>(INVARIANTS.map((i) => [i, null]));
  const walk = (n: ExploreNode, d: number): void => {
    if (d === depth) return;
    for (const s of successorsOf(ctx, n)) {
      const c = childOf(ctx, n, s);
      if (!c) continue;
      for (const v of c.violations) {
        const b = best.get(v.invariant);
        if (b === null || b === undefined || d + 1 < b) best.set(v.invariant, d + 1);
      }
      if (!c.terminal) walk(c.node, d + 1);
    }
  };
  walk(root, 0);
  return best;
}

test('explore agrees with a brute force over every sequence up to depth 3: same verdicts, same shortest lengths', () => {
  const vocab = DEFAULT();
  for (const d of ['baseline', 'insert-honours-prot', 'vm-insert-pages-pgprot', 'set-pages-highmem', 'ram-in-tree']) {
    const { ctx, root } = exploreContext(vocab, policy(d), INVARIANTS);
    const brute = bruteForce(ctx, root, 3);
    const r = exploreDesign(vocab, policy(d), { depth: 3, maxStates: 1e6, invariants: INVARIANTS });
    for (const inv of INVARIANTS) {
      const x = result(r.results, inv);
      assert.equal(x.status === 'violated' ? x.counterexample!.steps.length : null, brute.get(inv), `${d} ${inv}`);
    }
    assert.ok(r.duplicates > 0, 'deduplication pruned something');
  }
});

test("running a state's successors one call further on a copy of its kernel gives what running each sequence from boot gives", () => {
  // keepRuns 0: every sequence runs from boot; 3: a few states of each depth keep their runs, the rest do not (both paths in one search).
  const vocab = DEFAULT();
  for (const d of ['baseline', 'insert-honours-prot', 'vm-insert-pages-pgprot', 'ttm-apply-to-page-range', 'ram-in-tree']) {
    const opts = { depth: 4, maxStates: 1e6, invariants: INVARIANTS };
    const kept = exploreDesign(vocab, policy(d), opts);
    assert.deepEqual(exploreDesign(vocab, policy(d), { ...opts, keepRuns: 0 }), kept, d);
    assert.deepEqual(exploreDesign(vocab, policy(d), { ...opts, keepRuns: 3 }), kept, d);
  }
});

test('the search is deterministic and stops at the state budget, saying so', () => {
  const vocab = DEFAULT();
  const a = exploreDesign(vocab, policy('baseline'), { depth: 3, maxStates: 1e6, invariants: INVARIANTS });
  const b = exploreDesign(vocab, policy('baseline'), { depth: 3, maxStates: 1e6, invariants: INVARIANTS });
  assert.deepEqual(a, b);
  assert.equal(a.perDepth.reduce((x, y) => x + y, 0), a.states);
  const cut = exploreDesign(vocab, policy('baseline'), { depth: 5, maxStates: 20, invariants: ['clean-teardown'] });
  assert.equal(cut.cut, true);
  assert.ok(cut.states <= 20);
  assert.ok(cut.depth < 5);
});

test('a vocabulary on another machine runs there', () => {
  const vocab = DEFAULT();
  vocab.machine = loadPreset('small-x86-64');
  vocab.machineYaml = 'small-x86-64';
  const r = exploreDesign(vocab, policy('baseline'), { depth: 2, maxStates: 1e6, invariants: ['no-fatal'] });
  // x86-64 has no highmem, so set_pages_array_wc never oopses there.
  assert.equal(result(r.results, 'no-fatal').status, 'holds');
});

test('the shipped explore result (explore/precomputed.json) is what explore computes now', () => {
  const shipped = JSON.parse(packagedFile('explore/precomputed.json')) as { depth: number; invariants: InvariantName[]; maxStates: number; designs: { policy: string }[] };
  assert.equal(shipped.designs.length, selectPolicies('all').length, 'every design');
  const vocab = DEFAULT();
  for (const name of ['baseline', 'insert-honours-prot']) {
    const now = exploreDesign(vocab, policy(name), { depth: shipped.depth, maxStates: shipped.maxStates, invariants: shipped.invariants });
    assert.deepEqual(JSON.parse(JSON.stringify(designsJson([now])[0])), shipped.designs.find((d) => d.policy === name), `${name}: regenerate with patlab explore --depth 6 --format json > explore/precomputed.json`);
  }
});

test('the wide vocabulary (explore/wide.yaml) runs every call it names under every design, none pruned or refused', () => {
  const vocab = parseVocabulary(packagedFile('explore/wide.yaml'), 'wide.yaml', CALLS);
  assert.ok(vocab.calls.length >= 40);
  for (const d of ['baseline', 'vm-insert-pages-pgprot', 'ram-in-tree']) {
    const r = exploreDesign(vocab, policy(d), { depth: 2, maxStates: 1e6, invariants: INVARIANTS });
    assert.equal(r.pruned, 0, d);
    assert.ok(r.states > 50, `${d}: ${r.states} states`);
    assertReplays(vocab, d, r.results);
  }
});

test('two states whose page tables are alike have one fingerprint however often the tables were written', () => {
  const head = 'name: gen\nmachine: small-x86-64\nsteps:\n  - mmap: { size: 16K }\n    as: m\n';
  const kernelOf = (text: string): Kernel => runScenario(loadScenarioFile(text, 'gen.yaml'), KERNEL_DRIVER, {}).kernel;
  const once = kernelOf(head);
  // mprotect to the same protection rewrites the (empty) table's bits: a write that changes nothing.
  const twice = kernelOf(`${head}  - mprotect: { addr: m, size: 16K, read: true, write: true }\n`);
  const ptes = (k: Kernel): UserPtes => vmState(k).sorted()[0]!.vmas[0]!.ptes;
  assert.notEqual(ptes(once).writeGen, ptes(twice).writeGen);
  assert.equal(fingerprint(once, [], []), fingerprint(twice, [], []));
});
