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
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../shared-dir.js';
import { findKernel, type ProbeKernel } from '../../src/io/probe/harness.js';
import { bootedAgainNotes } from './boot-again.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/**
 * What one scenario's module calls while recorded, as `import --calls` counts them: calls per
 * function (but the teardown's unmap_single_vma and unmap_page_range, which every process's exit
 * makes too), the lines replayed, and the zaps of the scenario's own VMAs (its munmaps, exit and
 * zap_vma_ptes) among them.
 */
interface Recorded {
  calls: Record<string, number>;
  replayed: number;
  zaps: number;
  notModelled?: number;
}

/** Recorded for every process's PFN-map teardown (each vvar VMA), so their counts depend on what else the boot ran. */
const TEARDOWN = new Set(['unmap_single_vma', 'unmap_page_range']);

/** Per scenario (its path under scenarios/), what the recorder must see on each kernel; read off single-scenario boots (`probe --batch 1 --record`). */
const X86_64: Record<string, Recorded> = {
  'spec04/case06-remap-ram-wc.yaml': { calls: { remap_pfn_range: 1, untrack_pfn: 1 }, replayed: 2, zaps: 1 },
  'spec03/ioremap-outcomes.yaml': { calls: { ioremap_wc: 5, memtype_reserve: 15, ioremap_cache: 1, ioremap: 5, ioremap_uc: 2, _set_memory_wc: 1, _set_memory_uc: 1, ioremap_prot: 1, iounmap: 1, memtype_free: 1 }, replayed: 18, zaps: 0 },
  'spec03/memremap.yaml': { calls: { memremap: 7, ioremap_cache: 1, memtype_reserve: 2, ioremap_wt: 1, memunmap: 3, iounmap: 2, memtype_free: 2 }, replayed: 10, zaps: 0 },
  'spec04/case12-insert-page-wc.yaml': { calls: { vm_insert_page: 1 }, replayed: 2, zaps: 1 },
  'spec04/case03-x86-64-ram-wc.yaml': { calls: { vmf_insert_pfn_prot: 1 }, replayed: 2, zaps: 1 },
  // zap_vma_ptes of one page (untrack_pfn's memtype_free under it), then the munmap: two zaps.
  'spec04/legacy-zap-untracks.yaml': { calls: { remap_pfn_range: 1, memtype_reserve: 1, untrack_pfn: 1, memtype_free: 1 }, replayed: 3, zaps: 2 },
};
const I386: Record<string, Recorded> = {
  'spec04/case02-lowmem-set-pages-wc.yaml': { calls: { set_pages_array_wc: 1, memtype_reserve: 1, vmf_insert_pfn_prot: 1 }, replayed: 3, zaps: 1 },
  'spec04/case01-highmem-insert-wc.yaml': { calls: { vmf_insert_pfn_prot: 1 }, replayed: 2, zaps: 1 },
  // set_pages_uc of a highmem page hands set_memory_uc no address the log can turn into a pfn.
  'spec03/highmem-686-pae.yaml': { calls: { ioremap_wc: 1, memtype_reserve: 3, memtype_free: 2, set_pages_uc: 2, set_memory_uc: 2, set_pages_wb: 1, set_memory_wb: 1 }, replayed: 3, zaps: 0, notModelled: 3 },
};

/** `N calls recorded (fn n, ...); R replayed, M not modelled`, the import's summary line. */
function summary(stderr: string): { calls: Record<string, number>; total: number; replayed: number; notModelled: number } {
  const m = /: (\d+) calls recorded \(([^)]*)\); (\d+) replayed, (\d+) not modelled$/m.exec(stderr);
  assert.ok(m, `the import's summary line\n${stderr}`);
  const calls: Record<string, number> = {};
  for (const part of m[2]!.split(', ').filter((x) => x !== '')) {
    const [fn, n] = part.split(' ');
    calls[fn!] = Number(n);
  }
  return { calls, total: Number(m[1]), replayed: Number(m[3]), notModelled: Number(m[4]) };
}

/** The scenarios whose modules a recorded boot loaded and that ended cleanly, from its NOTES.txt (written by probe --record). */
function bootScenarios(bundle: string): string[] {
  const notes = readFileSync(join(bundle, 'NOTES.txt'), 'utf8');
  const out: string[] = [];
  for (const m of notes.matchAll(/^module \S+: scenario (\S+), (.*)$/gm)) {
    if (m[2] === 'not loaded') continue;
    assert.equal(m[2], 'insmod rc=0', `${bundle}: ${m[0]}`);
    out.push(m[1]!);
  }
  return out;
}

function recordAndCheck(t: { skip: (m: string) => void; diagnostic: (m: string) => void }, key: ProbeKernel, want: Record<string, Recorded>, minAgree: number): void {
  const k = findKernel(key);
  if ('missing' in k) return void t.skip(`${key} not installed: ${k.missing}`);
  const dir = mkdtempSync(join(tmpdir(), 'patlab-record-test-'));
  const scenarios = Object.keys(want);
  const byName = new Map(scenarios.map((f) => [basename(f, '.yaml'), want[f]!]));
  try {
    const p = spawnSync(process.execPath, [CLI, 'probe', ...scenarios.map((f) => join(REPO_ROOT, 'scenarios', f)), '--kernel', key, '--record', join(dir, 'rec')], { encoding: 'utf8', timeout: 900_000 });
    assert.equal(p.status, 0, `the probe itself agrees\n${p.stdout.slice(-2000)}${p.stderr}`);
    // Scenarios of one machine share a boot; one whose shared boot differed is run again alone (and so recorded twice): say why.
    for (const l of bootedAgainNotes(p.stdout)) t.diagnostic(`${key}: ${l}`);
    const boots = readdirSync(join(dir, 'rec')).filter((b) => b.startsWith('boot-')).sort();
    assert.ok(boots.length >= 1);
    const seen = new Set<string>();
    let agree = 0;
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
      // The boot's log holds exactly the calls of the scenarios it loaded: none lost, none extra, each replayed.
      const ran = bootScenarios(bundle);
      const calls: Record<string, number> = {};
      let replayed = 0;
      let zaps = 0;
      let notModelled = 0;
      for (const s of ran) {
        const w = byName.get(s);
        assert.ok(w, `${b}: scenario ${s} is not one the test asked for`);
        for (const [fn, n] of Object.entries(w.calls)) calls[fn] = (calls[fn] ?? 0) + n;
        replayed += w.replayed;
        zaps += w.zaps;
        notModelled += w.notModelled ?? 0;
        seen.add(s);
      }
      const got = summary(r.stderr);
      const own = Object.fromEntries(Object.entries(got.calls).filter(([fn]) => !TEARDOWN.has(fn)));
      assert.deepEqual(own, calls, `${b} (${ran.join(', ')})`);
      assert.equal(got.total, Object.values(got.calls).reduce((a, n) => a + n, 0));
      assert.equal(got.replayed, replayed, `${b}: lines replayed`);
      assert.equal(got.notModelled, notModelled, `${b}: calls not modelled`);
      // The teardown was traced (every process's exit zaps its vvar VMA), and the zaps of the scenarios' VMAs are the ones replayed.
      assert.ok((got.calls['unmap_page_range'] ?? 0) > zaps, `${b}: unmap_page_range recorded`);
      const ignored = /^note: (\d+) of the (\d+) unmap_page_range calls zap VMAs no recorded call used/m.exec(r.stderr);
      assert.ok(ignored, `${b}: the note on other processes' zaps`);
      assert.equal(Number(ignored[2]), got.calls['unmap_page_range'], `${b}: the note counts every zap`);
      assert.equal(Number(ignored[2]) - Number(ignored[1]), zaps, `${b}: zaps of the scenarios' VMAs`);
      assert.doesNotMatch(r.stderr, /no teardown of user mappings/, `${b}: the log holds the teardown`);
      // The same trace under every design: compare reads call traces as scenarios.
      const c = spawnSync(process.execPath, [CLI, 'compare', out, '--format', 'json'], { encoding: 'utf8' });
      assert.equal(c.status, 0, c.stderr);
      assert.ok((JSON.parse(c.stdout) as { verdict: unknown[] }).verdict.length >= 15);
    }
    assert.deepEqual([...seen].sort(), [...byName.keys()].sort(), 'every scenario was recorded in some boot');
    assert.ok(agree >= minAgree, `${agree} observations`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('6.1-amd64: ioremap*, memremap, memtype, set_memory, remap_pfn_range and the inserts recorded and replayed to the same returns and memtype list', (t) => recordAndCheck(t, '6.1-amd64', X86_64, 28));

test('6.12-amd64: the same workload on the later kernel', (t) => recordAndCheck(t, '6.12-amd64', X86_64, 28));

test("6.1-686-pae: i386's calling convention (PAE addresses in two registers, pgprot_t on the stack), set_pages_array_wc and highmem", (t) => recordAndCheck(t, '6.1-686-pae', I386, 8));
