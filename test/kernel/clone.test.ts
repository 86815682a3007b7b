/**
 * kernel/clone.ts: a clone of a booted kernel runs every scenario exactly as
 * a freshly booted kernel does, and running on the clone leaves the original
 * untouched (they share nothing that changes).
 */
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cloneKernel, sharedParts } from '../../src/kernel/clone.js';
import { clonesItself } from '../../src/kernel/clones-itself.js';
import { loadPreset } from '../../src/io/machine/load-machine.js';
import { presetNames } from '../../src/io/machine/presets.js';
import { BootTemplate } from '../../src/run/boot-template.js';
import { bootKernel, type Kernel } from '../../src/kernel/kernel.js';
import { PageChunks } from '../../src/kernel/mm/page-chunks.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies, type SelectedPolicy } from '../../src/policy/registry.js';
import type { Scenario } from '../../src/run/scenario.js';
import { runUnderPolicy } from '../../src/run/compare.js';
import { REPO_ROOT } from '../shared-dir.js';

/** Scenario files small enough to run twice per design here (the big-machine and 1 GiB-leaf ones are covered by the suite). */
function scenarioFiles(): string[] {
  const out: string[] = [];
  for (const dir of ['scenarios/spec04', 'scenarios/drivers', 'scenarios/suite', 'scenarios/captures']) {
    for (const f of readdirSync(join(REPO_ROOT, dir)).sort()) if (f.endsWith('.yaml') && f !== 'index.yaml') out.push(join(REPO_ROOT, dir, f));
  }
  return out;
}

/** A digest of a kernel's whole state (typed arrays hashed natively, per-page chunks by their contents, not by who holds which chunk). */
function whole(k: Kernel): string {
  const h = createHash('sha1');
  const seen = new Set<object>();
  const walk = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return void h.update(`${typeof v}:${String(v)};`);
    if (seen.has(v)) return void h.update('@;');
    seen.add(v);
    if (ArrayBuffer.isView(v)) return void h.update(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    if (v instanceof PageChunks) return walk(v.slice());
    // An object that copies itself marks itself shared when copied: bookkeeping of who copies its arrays, not state.
    if (clonesItself(v)) {
      for (const key of Object.keys(v)) if (key !== 'shared') (h.update(key + '='), walk((v as unknown as Record<string, unknown>)[key]));
      return;
    }
    if (v instanceof Map || v instanceof Set) {
      h.update(v instanceof Map ? 'M{' : 'S{');
      for (const e of v) walk(e);
      return void h.update('}');
    }
    h.update('{');
    for (const key of Object.keys(v)) {
      h.update(key + '=');
      walk((v as Record<string, unknown>)[key]);
    }
    h.update('}');
  };
  walk(k);
  return h.digest('hex');
}

/** Each small scenario under three designs (the plain kernel, RAM in the tree, a composition); returns how many ran. */
function eachScenarioRun(check: (sc: Scenario, p: SelectedPolicy, where: string) => void): number {
  const designs = selectPolicies('baseline,ram-in-tree,ttm-skip-caching+insert-honours-prot');
  let runs = 0;
  for (const f of scenarioFiles()) {
    const sc = loadScenarioFile(readFileSync(f, 'utf8'), f);
    for (const p of designs) {
      check(sc, p, `${f} under ${p.name}`);
      runs++;
    }
  }
  return runs;
}

test('a scenario on a clone of a booted kernel gives the same judged result as on a fresh boot, and the original is unchanged', () => {
  const runs = eachScenarioRun((sc, p, where) => {
    const template = bootKernel(sc.machine, p.hooks);
    const before = whole(template);
    const fresh = runUnderPolicy(sc, p);
    const cloned = runUnderPolicy(sc, p, { boot: () => cloneKernel(template) });
    assert.deepEqual(cloned, fresh, where);
    assert.equal(whole(template), before, `${where}: the template changed`);
  });
  assert.ok(runs >= 40, `${runs} runs`);
});

test('a copy stays as it was while its original runs on: what they share is copied by whichever writes first', () => {
  const runs = eachScenarioRun((sc, p, where) => {
    const original = bootKernel(sc.machine, p.hooks);
    const copy = cloneKernel(original);
    const before = whole(copy);
    const onOriginal = runUnderPolicy(sc, p, { boot: () => original });
    assert.equal(whole(copy), before, `${where}: the copy changed`);
    // And the copy, run after its original, still runs as a fresh boot does.
    assert.deepEqual(runUnderPolicy(sc, p, { boot: () => copy }), onOriginal, where);
  });
  assert.ok(runs >= 40, `${runs} runs`);
});

test("boot consults no hook: today's kernel's boot, cloned with a design's hooks, is that design's fresh boot (every preset up to 8 GiB, every design)", () => {
  const designs = selectPolicies('all');
  let machines = 0;
  for (const name of presetNames()) {
    const m = loadPreset(name);
    const base = bootKernel(m);
    // Boot's path is the same at every size (both architectures and both kernel versions are among the
    // presets up to 8 GiB); the multi-GiB ones only add pages to hash.
    if (base.maxPfn > 1 << 21) continue;
    machines++;
    const shared = sharedParts(base);
    const before = whole(base);
    for (const p of designs) {
      const c = cloneKernel(base, shared, p.hooks);
      assert.equal(c.hooks, p.hooks, `${name} under ${p.name}: the clone runs under the design`);
      assert.equal(c.memtype.config.hooks, p.hooks, `${name} under ${p.name}: memtype.c sees the design`);
      assert.equal(whole(c), whole(bootKernel(m, p.hooks)), `${name} under ${p.name}`);
    }
    assert.equal(whole(base), before, `${name}: the template changed`);
  }
  assert.ok(machines >= 4, `${machines} presets`);
});

test('compare with one boot per scenario (BootTemplate) judges every design as fresh boots do', () => {
  const designs = selectPolicies('all');
  let runs = 0;
  for (const f of scenarioFiles().filter((_, i) => i % 3 === 0)) {
    const sc = loadScenarioFile(readFileSync(f, 'utf8'), f);
    const template = new BootTemplate(sc.machine);
    for (const p of designs) {
      assert.deepEqual(runUnderPolicy(sc, p, { template }), runUnderPolicy(sc, p), `${f} under ${p.name}`);
      runs++;
    }
  }
  assert.ok(runs >= 100, `${runs} runs`);
});

test('a clone has its own state: same contents, no shared mutable object', () => {
  const sc = loadScenarioFile(readFileSync(join(REPO_ROOT, 'scenarios/drivers/kvm-ttm-mainline-noref.yaml'), 'utf8'), 'kvm.yaml');
  const k = bootKernel(sc.machine);
  const c = cloneKernel(k);
  assert.equal(whole(c), whole(k));
  assert.notEqual(c.pages.refcount, k.pages.refcount);
  assert.notEqual(c.memtype, k.memtype);
  assert.equal(c.machine, k.machine, 'the machine description is shared (read only)');
  c.pages.refcount.set(100, 7);
  assert.notEqual(k.pages.refcount.get(100), 7);
  // memtype.c reads `current` through the kernel it belongs to: a clone's through the clone.
  assert.equal(c.memtype.ctx, c);
  c.current = { comm: 'clone', pid: 9 };
  assert.equal(k.current.comm, 'swapper');
});
