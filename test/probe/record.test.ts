/**
 * patlab record end to end under qemu (docs/record.md §4): `patlab probe --record` runs real
 * kernel modules (the scenarios' calls) while the recorder traces them with tracefs kprobes;
 * `patlab import --calls --check` turns each boot's call log into a call trace, replays it in
 * patlab and compares every replayed call's return value and the final pat_memtype_list with
 * what the real kernel did; `patlab compare` runs the trace under every design.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../shared-dir.js';
import { findKernel, type ProbeKernel } from '../../src/io/probe/harness.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const S = (f: string): string => join(REPO_ROOT, 'scenarios', f);
const X86_64 = ['spec04/case06-remap-ram-wc.yaml', 'spec03/ioremap-outcomes.yaml', 'spec03/memremap.yaml', 'spec04/case12-insert-page-wc.yaml', 'spec04/case03-x86-64-ram-wc.yaml'];
const I386 = ['spec04/case02-lowmem-set-pages-wc.yaml', 'spec04/case01-highmem-insert-wc.yaml', 'spec03/highmem-686-pae.yaml'];

function recordAndCheck(t: { skip: (m: string) => void }, key: ProbeKernel, scenarios: string[], want: { calls: RegExp; minAgree: number }): void {
  const k = findKernel(key);
  if ('missing' in k) return void t.skip(`${key} not installed: ${k.missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'patlab-record-test-'));
  try {
    const p = spawnSync(process.execPath, [CLI, 'probe', ...scenarios.map(S), '--kernel', key, '--record', join(dir, 'rec')], { encoding: 'utf8', timeout: 900_000 });
    assert.equal(p.status, 0, `the probe itself agrees\n${p.stdout.slice(-2000)}${p.stderr}`);
    const boots = readdirSync(join(dir, 'rec')).filter((b) => b.startsWith('boot-')).sort();
    assert.ok(boots.length >= 1);
    let agree = 0;
    let calls = '';
    for (const b of boots) {
      const bundle = join(dir, 'rec', b);
      assert.match(readFileSync(join(bundle, 'record-info.txt'), 'utf8'), /^traced memtype_reserve$/m);
      const out = join(dir, `${b}.trace`);
      const r = spawnSync(process.execPath, [CLI, 'import', bundle, '-o', join(dir, `${b}.yaml`), '--calls', out, '--check'], { encoding: 'utf8' });
      assert.equal(r.status, 0, `every observation agrees (${b})\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /differs/);
      const m = /(\d+)\/(\d+) observations agree/.exec(r.stderr)!;
      assert.equal(m[1], m[2]);
      agree += Number(m[1]);
      calls += r.stderr;
      // The same trace under every design: compare reads call traces as scenarios.
      const c = spawnSync(process.execPath, [CLI, 'compare', out, '--format', 'json'], { encoding: 'utf8' });
      assert.equal(c.status, 0, c.stderr);
      assert.ok((JSON.parse(c.stdout) as { verdict: unknown[] }).verdict.length >= 15);
    }
    assert.match(calls, want.calls);
    assert.ok(agree >= want.minAgree, `${agree} observations`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('6.1-amd64: ioremap*, memremap, memtype, set_memory, remap_pfn_range and the inserts recorded and replayed to the same returns and memtype list', (t) =>
  recordAndCheck(t, '6.1-amd64', X86_64, { calls: /remap_pfn_range 1.*ioremap_wc 5.*memremap 7.*vm_insert_page 1, vmf_insert_pfn_prot 1\); 30 replayed, 0 not modelled/, minAgree: 28 }));

test('6.12-amd64: the same workload on the later kernel', (t) => recordAndCheck(t, '6.12-amd64', X86_64, { calls: /ioremap_wc 5/, minAgree: 28 }));

test("6.1-686-pae: i386's calling convention (PAE addresses in two registers, pgprot_t on the stack), set_pages_array_wc and highmem", (t) =>
  recordAndCheck(t, '6.1-686-pae', I386, { calls: /set_pages_array_wc 1, memtype_reserve 1, vmf_insert_pfn_prot 2\); 3 replayed/, minAgree: 8 }));
