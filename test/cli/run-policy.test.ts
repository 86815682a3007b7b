/** `patlab run --policy X`: the step trace under one design; without it, today's kernel. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const SC = 'name: hw\nmachine: x86-32-pae-4g\nsteps:\n  - ttm_device_init: {}\n  - ttm_bo_create: { size: 8K, caching: WC }\n    as: bo\n  - ttm_bo_mmap_obj: { bo: bo }\n    as: m\n  - ttm_bo_touch: { addr: m, size: 8K }\n';

test('run --policy changes what the fault installs and names the design; a bad name is exit 2', () => {
  const f = join(mkdtempSync(join(tmpdir(), 'patlab-')), 'hw.yaml');
  writeFileSync(f, SC);
  const g = join(mkdtempSync(join(tmpdir(), 'patlab-')), 'wc.yaml');
  writeFileSync(g, 'name: wc\nmachine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL }\n    as: pg\n  - set_pages_array_wc: { pages: pg }\n');
  const list = (policy?: string): string =>
    spawnSync(process.execPath, [CLI, 'run', g, '--show', 'pat_memtype_list', ...(policy ? ['--policy', policy] : [])], { encoding: 'utf8' }).stdout;
  // 3c records RAM in the memtype tree: the page appears in pat_memtype_list only under it.
  assert.ok(!list().includes('write-combining'));
  assert.ok(list('ram-in-tree').includes('write-combining'));
  const base = spawnSync(process.execPath, [CLI, 'run', f, '--format', 'json'], { encoding: 'utf8' });
  assert.equal(base.status, 0, base.stderr);
  const same = spawnSync(process.execPath, [CLI, 'run', f, '--format', 'json', '--policy', 'baseline'], { encoding: 'utf8' });
  assert.equal(same.stdout, base.stdout);
  const text = spawnSync(process.execPath, [CLI, 'run', f, '--policy', 'insert-honours-prot'], { encoding: 'utf8' });
  assert.match(text.stdout, /^design: insert-honours-prot\n/);
  const bad = spawnSync(process.execPath, [CLI, 'run', f, '--policy', 'nope'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^<command line>:1:1: unknown policy 'nope'/);
});
