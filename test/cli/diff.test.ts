/** `patlab compare --diff A,B`: only what differs between two designs (issue 12 item 5). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared-dir.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { compareScenario } from '../../src/run/compare.js';
import { diffDesigns, isSame } from '../../src/run/diff.js';
import { selectPolicies } from '../../src/policy/registry.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
// An 8-page WC BO on PAE highmem: today's kernel maps the user side WB, the fix maps it WC.
const SC = 'name: hw\nmachine: x86-32-pae-4g\nsteps:\n  - ttm_device_init: {}\n  - ttm_bo_create: { size: 32K, caching: WC }\n    as: bo\n  - ttm_bo_mmap_obj: { bo: bo }\n    as: m\n  - ttm_bo_touch: { addr: m, size: 32K }\n  - ttm_bo_vmap: { bo: bo }\n    as: v\nreport: [m, v]\n';

const cmp = () => compareScenario(loadScenarioFile(SC, 'hw.yaml'), selectPolicies('baseline,insert-honours-prot,ram-pfn-api'));

test('the diff shows the user mapping WB → WC, the alias and the silent change only under today\u2019s kernel, and nothing shared', () => {
  const d = diffDesigns([cmp()], 'baseline', 'insert-honours-prot').scenarios[0]!;
  const m = d.mappings.find((x) => x.what === 'm')!;
  assert.match(m.a, /^WB /);
  assert.match(m.b, /^WC /);
  assert.ok(!d.mappings.some((x) => x.what === 'v'), 'the vmap is WC under both: not a difference');
  assert.equal(d.aliases.b.length, 0);
  assert.ok(d.aliases.a.some((x) => /high/.test(x)));
  assert.deepEqual(d.changes.b, []);
  assert.match(d.changes.a.join('\n'), /pfn 0x[0-9a-f]+-0x[0-9a-f]+ \(8 pages\) asked write-combining, got write-back \(weaker\)/);
  assert.ok(d.totals.some((t) => t.what === 'aliased_pages_high' && Number(t.a) > 0 && t.b === '0'));
});

test('property: the diff of B against A is the diff of A against B with the sides swapped; a design against itself is empty', () => {
  const c = [cmp()];
  for (const [a, b] of [['baseline', 'insert-honours-prot'], ['baseline', 'ram-pfn-api'], ['insert-honours-prot', 'ram-pfn-api']] as const) {
    const x = diffDesigns(c, a, b).scenarios[0]!;
    const y = diffDesigns(c, b, a).scenarios[0]!;
    assert.deepEqual(y.aliases, { a: x.aliases.b, b: x.aliases.a });
    assert.deepEqual(y.changes, { a: x.changes.b, b: x.changes.a });
    assert.deepEqual(y.totals, x.totals.map((t) => ({ what: t.what, a: t.b, b: t.a })));
    assert.deepEqual(y.mappings, x.mappings.map((t) => ({ what: t.what, a: t.b, b: t.a })));
  }
  assert.ok(isSame(diffDesigns(c, 'ram-pfn-api', 'ram-pfn-api').scenarios[0]!));
});

test('compare --diff on the command line: text and json; one design, or html, is exit 2 with one line', () => {
  const f = join(mkdtempSync(join(tmpdir(), 'patlab-')), 'hw.yaml');
  writeFileSync(f, SC);
  const r = spawnSync(process.execPath, [CLI, 'compare', f, '--diff', 'baseline,insert-honours-prot'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^== diff baseline → insert-honours-prot/);
  assert.match(r.stdout, /   mapping m:\n     - WB .*\n     \+ WC /);
  const j = spawnSync(process.execPath, [CLI, 'compare', f, '--diff', 'baseline,insert-honours-prot', '--format', 'json'], { encoding: 'utf8' });
  assert.equal(j.status, 0, j.stderr);
  assert.equal(JSON.parse(j.stdout).format, 'patlab-diff/1');
  for (const bad of [['--diff', 'baseline'], ['--diff', 'baseline,baseline'], ['--diff', 'baseline,nope'], ['--diff', 'baseline,skip-wb', '--format', 'html']]) {
    const e = spawnSync(process.execPath, [CLI, 'compare', f, ...bad], { encoding: 'utf8' });
    assert.equal(e.status, 2, `${bad.join(' ')}: ${e.stderr}`);
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
  }
});
