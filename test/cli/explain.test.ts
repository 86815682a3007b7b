/** `patlab explain`: output shape, determinism and its input errors (exit 2, one positioned line). */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'explain', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('explain a TTM user mapping: numbered links that fit 100 columns, the same bytes every run', () => {
  const a = cli('ttm-highmem-wc', '--mapping', 'user_map');
  assert.equal(a.code, 0, a.err);
  const lines = a.out.trimEnd().split('\n');
  assert.match(lines[0]!, /^ttm-highmem-wc under baseline, at step 5 \(ttm_kmap_iter_tt_map_local\): mapping user_map$/);
  assert.ok(lines.some((l) => /^ {3}3\. pfnmap_setup_cachemode_pfn -> lookup_memtype: pfn 0x[0-9a-f]+: RAM page flag -> WB$/.test(l)), a.out);
  assert.ok(lines.some((l) => /effective type: MTRR WB x PAT WB -> WB$/.test(l)));
  for (const l of lines) assert.ok(l.length <= 100, l);
  assert.equal(cli('ttm-highmem-wc', '--mapping', 'user_map').out, a.out);
});

test('explain --format json names the policy and gives the chain', () => {
  const r = cli('ttm-highmem-wc', '--mapping', 'user_map', '--policy', 'insert-honours-prot', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { policy: string; mappings: { effective: string; npages: number; chain: { fn: string }[] }[] };
  assert.equal(j.policy, 'insert-honours-prot');
  assert.equal(j.mappings.length, 1);
  assert.equal(j.mappings[0]!.npages, 16);
  assert.equal(j.mappings[0]!.effective, 'WC');
  assert.ok(j.mappings[0]!.chain.some((l) => l.fn.includes('[design insert-honours-prot]')));
});

test('explain --pfn lists every live mapping of the page', () => {
  const r = cli('ttm-highmem-wc', '--pfn', '0x37000');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^kmap mapping \(kmap_local\) at 0x[0-9a-f]+, pfn 0x37000: WC$/m);
  assert.match(r.out, /^user mapping \(pid 1 \(patlab\)\) at 0x[0-9a-f]+, pfn 0x37000: WB$/m);
});

test('explain groups the pages of an ioremap whose chains agree except for their own address', () => {
  const f = join(mkdtempSync(join(tmpdir(), 'patlab-explain-')), 'bar.yaml');
  writeFileSync(f, 'name: bar\nmachine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xde000000, size: 0x2000 }\n    as: bar\n');
  const r = cli(f, '--mapping', 'bar', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { mappings: { kind: string; pfn: string; npages: number; effective: string }[] };
  assert.deepEqual(j.mappings.map((m) => [m.kind, m.pfn, m.npages, m.effective]), [['ioremap', '0xde000', 2, 'WC']]);
});

const errors: [string[], RegExp][] = [
  [['--mapping', 'user_map', '--step', '2'], /mapping 'user_map' does not exist yet at step 2: step 3 \(ttm_bo_mmap_obj\) creates it/],
  [['--mapping', 'nope'], /unknown handle 'nope': expected one of bo, user_map, ttm_kmap$/],
  [['--mapping', 'bo'], /'bo' is a bo, not a mapping: expected a mapping handle \(user_map, ttm_kmap\)$/],
  [['--mapping', 'bo', '--step', '9'], /--step '9' is out of range: expected a step from 0 \(boot\) to 5$/],
  [['--pfn', '0x37000', '--step', '1'], /pfn 0x37000 has no mapping at step 1/],
  [['--pfn', 'zz'], /bad --pfn: bad number 'zz'/],
  [['--mapping', 'bo', '--pfn', '1'], /expected exactly one of --mapping HANDLE or --pfn PFN$/],
  [['--mapping', 'bo', '--policy', 'nosuch'], /unknown policy 'nosuch'/],
];
for (const [args, want] of errors)
  test(`explain ${args.join(' ')}: one positioned line, exit 2`, () => {
    const r = cli('ttm-highmem-wc', ...args);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
    const lines = r.err.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0]!, /^<command line>:1:1: /);
    assert.match(lines[0]!, want);
  });
