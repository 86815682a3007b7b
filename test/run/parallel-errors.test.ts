/** Errors keep their class across worker threads: a user's impossible request exits 2 with threads as without. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

test('an impossible request is exit 2 and one positioned line, whatever the thread count', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patlab-'));
  const f = join(dir, 'bad.yaml');
  writeFileSync(f, 'name: bad\nmachine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL, count: 2, pfn: 0x1000 }\n');
  const outs = ['1', '2'].map((t) => spawnSync(process.execPath, [CLI, 'compare', f, '--policies', 'baseline,skip-wb', '--threads', t], { encoding: 'utf8' }));
  for (const r of outs) {
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:5: `));
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.doesNotMatch(r.stderr, /internal error/);
  }
  assert.equal(outs[0]!.stderr, outs[1]!.stderr);
});
