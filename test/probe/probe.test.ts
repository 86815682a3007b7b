/**
 * `patlab probe`: the module generator, the observation parser, and (where
 * scripts/probe/install.sh has installed them) the real kernels under qemu.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../shared-dir.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { moduleSource } from '../../src/io/probe/module-c.js';
import { directmapDelta, parseProbeDmesg } from '../../src/io/probe/observe.js';
import { findKernel } from '../../src/io/probe/harness.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const CASE01 = join(REPO_ROOT, 'scenarios', 'spec04', 'case01-highmem-insert-wc.yaml');

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'probe', ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('the module for case 1 runs its three calls with markers, a WC prot and a user-PTE walk', () => {
  const sc = loadScenarioFile(readFileSync(CASE01, 'utf8'), CASE01);
  const m = moduleSource(sc);
  assert.deepEqual(m.steps, [1, 2, 3]);
  assert.equal(m.unsupported, undefined);
  assert.match(m.c, /^\/\/ SPDX-License-Identifier: GPL-2.0/);
  assert.match(m.c, /alloc_pages\(GFP_HIGHUSER, 0\)/);
  assert.match(m.c, /probe_vm_flags = 0x4044400ULL;/);
  assert.match(m.c, /vmf_insert_pfn_prot\(vma, va, page_to_pfn\(h_p\[0\]\), .*cachemode2protval\(_PAGE_CACHE_MODE_WC\)\)\);/);
  assert.match(m.c, /probe_user_pte\(3, va\)/);
  for (const i of [1, 2, 3]) assert.match(m.c, new RegExp(`patprobe: STEP ${i} \\S+ BEGIN`));
});

test('a call the generator cannot write stops the module there and says so', () => {
  const text = [
    'name: t',
    'machine: desktop-x86-64',
    'steps:',
    '  - alloc_pages: { gfp: GFP_KERNEL }',
    '    as: p',
    '  - kmap_local_page: { page: p.0 }',
    '  - __free_pages: { pages: p }',
  ].join('\n');
  const m = moduleSource(loadScenarioFile(text, 't.yaml'));
  assert.deepEqual(m.steps, [1]);
  assert.equal(m.unsupported?.step, 2);
  assert.match(m.unsupported!.reason, /^step 2 kmap_local_page: /);
  assert.doesNotMatch(m.c, /h_p_blocks = 0;/);
  const dir = mkdtempSync(join(tmpdir(), 'probe-'));
  const f = join(dir, 't.yaml');
  writeFileSync(f, text);
  const r = cli(f, '--emit', join(dir, 'out'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /probe: not supported: step 2 kmap_local_page: .*; steps from 2 on are not run/);
  assert.match(readFileSync(join(dir, 'out', 'patprobe.c'), 'utf8'), /module_init\(patprobe_init\)/);
  assert.equal(readFileSync(join(dir, 'out', 'Makefile'), 'utf8'), 'obj-m := patprobe.o\n');
});

test('the observation parser reads markers, observations and messages between them, not outside', () => {
  const dmesg = [
    '[    3.542381] patprobe: BEGIN',
    '[    3.542407] patprobe: PID 101',
    '[    3.542417] patprobe: STEP 1 ioremap_wc BEGIN',
    '[    3.542418] x86/PAT: insmod:101 map pfn expected mapping type write-combining, got uncached-minus',
    '[    3.542448] patprobe: OBS 1 ret=ok',
    '[    3.542464] patprobe: OBS 1 pte_type=uncached-minus',
    '[    3.542472] patprobe: STEP 1 END',
    '[    3.543926] kernel read not supported for file /x86/pat_memtype_list (pid: 101 comm: insmod)',
    '[    3.544795] patprobe: LIST PAT memtype list:',
    '[    3.544795] patprobe: MEMINFO DirectMap4k:       10232 kB',
    '[    3.546185] patprobe: DONE',
  ].join('\n');
  const r = parseProbeDmesg(dmesg);
  assert.equal(r.pid, 101);
  const s = r.steps.get(1)!;
  assert.equal(s.call, 'ioremap_wc');
  assert.deepEqual([...s.obs], [['ret', 'ok'], ['pte_type', 'uncached-minus']]);
  assert.deepEqual(s.messages, ['x86/PAT: insmod:101 map pfn expected mapping type write-combining, got uncached-minus']);
  assert.deepEqual(r.patMemtypeList, ['PAT memtype list:']);
  assert.deepEqual(r.directmap, ['DirectMap4k:       10232 kB']);
});

test('DirectMap change: split of one 2 MiB leaf is +2048 4k, -2048 2M; no change is none', () => {
  const before = ['DirectMap4k:        4088 kB', 'DirectMap2M:      897024 kB'];
  assert.equal(directmapDelta(before, before), 'none');
  assert.equal(directmapDelta(before, ['DirectMap4k:        6136 kB', 'DirectMap2M:      894976 kB']), 'DirectMap2M -2048 DirectMap4k +2048');
});

test('probe --kernel with an unknown name is one positioned line, exit 2', () => {
  const r = cli(CASE01, '--kernel', '5.10-amd64');
  assert.equal(r.code, 2);
  assert.match(r.err, /^<command line>:1:1: unknown --kernel '5\.10-amd64': expected one of 6\.1-amd64, 6\.1-686-pae, 6\.12-amd64\n$/);
});

// Real kernels under qemu: scripts/probe/install.sh puts them in place (.ci/run runs it).
const k686 = findKernel('6.1-686-pae');
test('real 6.1-686-pae kernel: vmf_insert_pfn_prot with WC on a highmem page installs WB, as patlab predicts', (t) => {
  if ('missing' in k686) return t.skip(`kernel tests skipped: ${k686.missing}`);
  const r = cli(CASE01);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^ {2}agrees {3}step 3 vmf_insert_pfn_prot: PTE type: write-back$/m);
  assert.match(r.out, /^ {2}agrees {3}step 3 vmf_insert_pfn_prot: fault: VM_FAULT_NOPAGE$/m);
  assert.match(r.out, /^ {2}(\d+)\/\1 observations agree$/m);
});
