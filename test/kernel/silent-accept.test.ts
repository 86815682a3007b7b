/**
 * Requests the model used to accept in silence (issue 15) are said out
 * loud: `vmap` of a pfn without a struct page and a TTM BO of size 0 are
 * `not modelled` at their step, exit 2, one line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

function runSteps(steps: string): { status: number | null; stderr: string } {
  const f = join(mkdtempSync(join(tmpdir(), 'patlab-')), 's.yaml');
  writeFileSync(f, `name: s\nmachine: { preset: desktop-x86-64 }\nsteps:\n${steps}`);
  const r = spawnSync(process.execPath, [CLI, 'run', f], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr.replace(f, 'FILE') };
}

test('vmap of a pfn outside the memmap: not modelled, positioned at the step', () => {
  const r = runSteps('  - vmap: { pages: [0x7fffffff], prot: WB }\n');
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'FILE:4:5: not modelled: vmap of a struct page for pfn 0x7fffffff (outside the memmap)\n');
});

test('a TTM BO of size 0: not modelled, positioned at the step', () => {
  const r = runSteps('  - ttm_device_init: {}\n  - ttm_bo_create: { size: 0, caching: WC }\n');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^FILE:5:5: not modelled: a TTM buffer object of size 0 .*\n$/);
});
