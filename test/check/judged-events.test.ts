/**
 * check/judged-events.ts and KernelLog.retain: a run judged only at its end
 * (compare without the HTML views' detail) keeps of each finished step only
 * the events the checks read, and its judgement is the one a run that keeps
 * every event gets: the same result, field for field, for every shipped
 * scenario under designs that make aliases, changes, hazards, warnings and
 * fatal outcomes, and for generated call sequences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from '../fc.js';
import { judgedAtEnd } from '../../src/check/judged-events.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { BootTemplate } from '../../src/run/boot-template.js';
import { judgeUnderPolicy, runUnderPolicy } from '../../src/run/compare.js';
import type { PolicyResult } from '../../src/run/result.js';
import type { Scenario } from '../../src/run/scenario.js';
import { REPO_ROOT } from '../shared-dir.js';

/** The judgement of a run that keeps every event (no `failedOutcomesOnly`, so no retention), without the views' detail. */
function keepingEverything(sc: Scenario, policy: string, template: BootTemplate): { result: PolicyResult; kept: number } {
  const j = judgeUnderPolicy(sc, selectPolicies(policy)[0]!, { detail: false, template });
  if (!('result' in j)) return { result: j, kept: 0 };
  return { result: j.result, kept: j.outcome.kernel.log.events.length };
}

/** Scenario files of the repository (the 1 GiB-leaf and big-machine ones too: they are cheap without detail). */
function scenarioFiles(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(join(REPO_ROOT, 'scenarios')).sort())
    for (const f of readdirSync(join(REPO_ROOT, 'scenarios', dir)).sort()) if (f.endsWith('.yaml') && f !== 'index.yaml') out.push(join(REPO_ROOT, 'scenarios', dir, f));
  return out;
}

// Today's kernel, a design with page tracking, one that skips caching (aliases, hazards), one with debug-kernel WARNs, one that frees pages KVM holds.
const DESIGNS = ['baseline', 'ram-in-tree', 'ttm-skip-caching', 'ram-pfn-api', 'pages-into-pfnmap'];

test('retention: every shipped scenario under five designs is judged the same keeping only the judged events as keeping all', () => {
  let runs = 0;
  let dropped = 0;
  const seen = { aliases: 0, changes: 0, hazards: 0, warns: 0, fatal: 0, errors: 0 };
  for (const file of scenarioFiles()) {
    const sc = loadScenarioFile(readFileSync(file, 'utf8'), file);
    const template = new BootTemplate(sc.machine);
    for (const d of DESIGNS) {
      const full = keepingEverything(sc, d, template);
      // The run compare makes without detail (runUnderPolicy's: failed outcomes only, so retention on), kept whole to read its log.
      const j = judgeUnderPolicy(sc, selectPolicies(d)[0]!, { detail: false, template, failedOutcomesOnly: true });
      const retained = 'result' in j ? j.result : j;
      assert.deepEqual(retained, full.result, `${file} under ${d}`);
      let kept = 0;
      if ('result' in j) {
        const log = j.outcome.kernel.log;
        kept = log.events.length;
        if (sc.report?.length || sc.expect?.messages) assert.equal(kept, full.kept, `${file}: a run whose report or final messages read every event keeps them all`);
        else {
          // Every finished step keeps only judged events; the last step's are all there.
          const last = log.firstOf(log.step);
          log.events.forEach((e, i) => {
            if (i < last) assert.ok(judgedAtEnd(e), `${file} under ${d}: a ${e.kind} event of step ${e.step} was kept`);
          });
        }
      }
      dropped += full.kept - kept;
      runs++;
      seen.aliases += retained.aliases.length;
      seen.changes += retained.changes.length;
      seen.hazards += retained.hazards.length;
      seen.warns += retained.warns.length;
      seen.errors += retained.errors.length;
      seen.fatal += retained.outcome === 'fatal' ? 1 : 0;
    }
  }
  // The comparison covered every kind of finding, and retention dropped something.
  for (const [k, n] of Object.entries(seen)) assert.ok(n > 0, `no run had ${k}: the comparison would test little`);
  assert.ok(dropped > 1000, `only ${dropped} events dropped over ${runs} runs`);
});

/** Generated call sequences over pages, BOs, user mappings and KVM: the calls whose events the checks read. */
function generated(ops: readonly [number, number, number][]): string {
  const lines = ['name: gen', 'machine: x86-32-pae-4g', 'steps:', '  - alloc_pages: { gfp: GFP_HIGHUSER, order: 1 }', '    as: hi', '  - alloc_pages: { gfp: GFP_KERNEL, order: 1 }', '    as: lo'];
  const MODES = ['WB', 'WC', 'UC-'];
  let maps = 0;
  const mms: string[] = [];
  ops.forEach(([op, a, b]) => {
    const page = a % 2 === 0 ? 'hi' : 'lo';
    const mode = MODES[b % 3]!;
    switch (op % 7) {
      case 0:
        lines.push(`  - set_pages_array_${mode === 'WB' ? 'wb' : mode === 'WC' ? 'wc' : 'uc'}: { pages: ${page} }`);
        break;
      case 1:
        lines.push('  - mmap: { size: 8K }', `    as: m${maps}`, `  - vmf_insert_pfn_prot: { addr: m${maps}, pfn: ${page}.${b % 2}, prot: ${mode} }`);
        mms.push(`m${maps++}`);
        break;
      case 2:
        if (mms.length > 0) lines.push(`  - munmap: { addr: ${mms[a % mms.length]}, size: 8K }`);
        break;
      case 3:
        lines.push(`  - kmap_local_page_prot: { page: ${page}, prot: ${mode} }`, `    as: k${maps}`, `  - kunmap_local: { addr: k${maps} }`);
        maps++;
        break;
      case 4:
        lines.push(`  - vmap: { pages: ${page}, prot: ${mode} }`);
        break;
      case 5:
        lines.push(`  - ioremap${mode === 'WC' ? '_wc' : ''}: { phys: 0x${(0xfebf0000 + (a % 3) * 0x1000).toString(16)}, size: 0x1000 }`);
        break;
      default:
        lines.push(`  - memtype_reserve: { start: 0x${(0xfebe0000 + (a % 2) * 0x1000).toString(16)}, end: 0x${(0xfebe1000 + (a % 2) * 0x1000).toString(16)}, type: ${mode} }`);
    }
  });
  return lines.join('\n') + '\n';
}

test('property: retention changes no judgement of generated call sequences', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(6), fc.nat(5), fc.nat(5)), { minLength: 1, maxLength: 14 }), fc.constantFrom(...DESIGNS), (ops, d) => {
      const sc = loadScenarioFile(generated(ops), 'gen.yaml');
      const template = new BootTemplate(sc.machine);
      const full = keepingEverything(sc, d, template);
      assert.deepEqual(runUnderPolicy(sc, selectPolicies(d)[0]!, { detail: false, template }), full.result);
    }),
    { seed: 1813, numRuns: 60 },
  );
});
