/**
 * Every scenario of scenarios/ on each of the three real kernels (docs/probe.md §4): one
 * `patlab probe` per kernel over all of them, batched (scenarios of one machine share a boot),
 * then what each must show. Where scripts/probe/install.sh has not installed a kernel, its tests
 * say so in one line and skip.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../shared-dir.js';
import { findKernel, PROBE_KERNELS, type ProbeKernel } from '../../src/io/probe/harness.js';
import { bootedAgainNotes } from './boot-again.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const DIR = join(REPO_ROOT, 'scenarios');
/** `spec04/case01-highmem-insert-wc.yaml` etc., in the order the probe runs them. */
const SCENARIOS = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(DIR, d.name)).filter((f) => f.endsWith('.yaml') && f !== 'index.yaml').map((f) => `${d.name}/${f}`))
  .sort();

interface Sweep {
  code: number | null;
  err: string;
  /** Each scenario's output, by its path under scenarios/. */
  out: Map<string, string>;
}

const sweeps = new Map<ProbeKernel, Sweep>();

/** One probe run of every scenario on a kernel (computed once per kernel, on first use). */
function sweep(key: ProbeKernel): Sweep {
  let s = sweeps.get(key);
  if (s) return s;
  const r = spawnSync(process.execPath, [CLI, 'probe', ...SCENARIOS.map((f) => join(DIR, f)), '--kernel', key], { encoding: 'utf8', timeout: 1_500_000, maxBuffer: 64 << 20 });
  const parts = r.stdout.split(/^(?=probe \S+ on \S+$)/m).filter((p) => p.startsWith('probe '));
  assert.equal(parts.length, SCENARIOS.length, `one section per scenario\n${r.stdout.slice(-3000)}${r.stderr}`);
  s = { code: r.status, err: r.stderr, out: new Map(SCENARIOS.map((f, i) => [f, parts[i]!])) };
  sweeps.set(key, s);
  return s;
}

const installed = new Map(PROBE_KERNELS.map((k) => [k, findKernel(k)]));

function skipUnless(t: { skip: (m: string) => void }, ...keys: ProbeKernel[]): boolean {
  for (const k of keys) {
    const f = installed.get(k)!;
    if ('missing' in f) {
      t.skip(`kernel tests skipped: ${f.missing}`);
      return true;
    }
  }
  return false;
}

/** The reasons a scenario's machine cannot be booted on a kernel: the other architecture, or more RAM than qemu gets here. */
const REFUSED = /^ {2}probe refused: (machine \S+ is x86-(?:64|32-pae); kernel \S+ runs on x86-(?:64|32-pae)|machine \S+ has \d+ MiB of RAM; the probe boots at most \d+ MiB under qemu here)$/m;

for (const key of PROBE_KERNELS) {
  test(`real ${key} kernel: every scenario it can boot runs, batched, and every observation agrees`, (t) => {
    if (skipUnless(t, key)) return;
    const s = sweep(key);
    assert.ok(s.code === 0 || s.code === 2, `exit ${s.code}: ${s.err}`);
    let ran = 0;
    let agree = 0;
    let total = 0;
    const bad: string[] = [];
    for (const [f, out] of s.out) {
      if (REFUSED.test(out)) continue;
      const m = /^ {2}(\d+)\/(\d+) observations agree$/m.exec(out);
      if (!m || m[1] !== m[2] || /^ {2}probe failed/m.test(out)) {
        bad.push(`${f}:\n${out.split('\n').filter((l) => !l.startsWith('  agrees')).join('\n')}`);
        continue;
      }
      ran++;
      agree += Number(m[1]);
      total += Number(m[2]);
    }
    assert.deepEqual(bad, [], bad.join('\n'));
    // A scenario whose shared boot differed ran again alone (docs/probe.md §1): say which and why, so a slow CI run can be read.
    for (const [f, out] of s.out) for (const l of bootedAgainNotes(out)) t.diagnostic(`${key} ${f}: ${l}`);
    // The batch is not vacuous: most of the scenarios run on each kernel (the 32-bit one has fewer machines).
    assert.ok(ran >= (key === '6.1-686-pae' ? 12 : 30), `${ran} scenarios ran`);
    t.diagnostic(`${key}: ${agree}/${total} observations agree over ${ran} scenarios`);
  });
}

/** One scenario's section of a kernel's sweep: it ran, and every observation agreed. */
function ran(key: ProbeKernel, f: string): string {
  const out = sweep(key).out.get(f);
  assert.ok(out !== undefined, `no scenario ${f}`);
  assert.match(out, /^ {2}(\d+)\/\1 observations agree$/m, out);
  return out;
}

// ioremap's outcomes (spec 03 §4.3) with and without PAT, read back through lookup_address, on
// both 64-bit kernels: return values, messages, PTE levels, pfns, PAT indices and types.
test('real 6.1-amd64 and 6.12-amd64 kernels: ioremap outcomes and nopat agree observation by observation', (t) => {
  if (skipUnless(t, '6.1-amd64', '6.12-amd64')) return;
  for (const key of ['6.1-amd64', '6.12-amd64'] as const) {
    const out = ran(key, 'spec03/ioremap-outcomes.yaml');
    assert.match(out, /agrees {3}step 2 lookup_address: PTE type: write-combining$/m, key);
    ran(key, 'spec03/ioremap-nopat.yaml');
  }
});

// remap_pfn_range of RAM with WC (spec 04 case 6): the real allocator's page is replayed, so the
// kernel's pr_warn, naming that page's addresses, agrees byte for byte. A second whole-VMA
// remap (case 8) is a BUG at mm/memory.c on 6.1 (remap_pte_range finds the PTE present).
test('real 6.1-amd64 kernel: remap_pfn_range of RAM warns with the real page; a second full remap is the BUG patlab predicts', (t) => {
  if (skipUnless(t, '6.1-amd64')) return;
  assert.match(ran('6.1-amd64', 'spec04/case06-remap-ram-wc.yaml'), /^ {2}agrees {3}step 3 remap_pfn_range: messages: \["x86\/PAT: insmod:\d+ map pfn RAM range req write-combining for \[mem 0x[0-9a-f]+-0x[0-9a-f]+\], got write-back"\]$/m);
  const c8 = ran('6.1-amd64', 'spec04/case08-double-full-remap.yaml');
  assert.match(c8, /^ {2}agrees {3}step 3 remap_pfn_range: fatal outcome: BUG at mm\/memory\.c$/m);
  assert.match(c8, /^ {2}note {5}final state: not read: the module stopped in step 3$/m);
});

// Kernel mappings of a highmem page (kmap_local_page, kmap_local_page_prot WC, vmap UC-) read back
// with lookup_address, and lookup_memtype through kallsyms: the page stays WB in PAT's record.
test('real 6.1-686-pae kernel: kmap_local, kmap_local_page_prot and vmap of a highmem page agree, PTE by PTE', (t) => {
  if (skipUnless(t, '6.1-686-pae')) return;
  const out = ran('6.1-686-pae', 'spec03/highmem-686-pae.yaml');
  assert.doesNotMatch(out, /not supported/);
  // track_pfn_insert (through kallsyms): the highmem page's WB record turns a WC request into WB.
  assert.match(out, /^ {2}agrees {3}step 12 track_pfn_insert: PTE type: write-back$/m);
  assert.match(out, /^ {2}agrees {3}step 5 lookup_address: PTE type: write-combining$/m);
  assert.match(out, /^ {2}agrees {3}step 10 lookup_address: pat_index: 2$/m);
  assert.match(out, /^ {2}agrees {3}step 11 lookup_memtype: memtype: write-back$/m);
});

// 6.12 has no per-VMA tracking context yet: munmap of part of a whole-VMA remap frees a memtype
// that was never reserved ('freeing invalid memtype', twice) and the reservation outlives the VMA.
test('real 6.12-amd64 kernel: partial munmaps of a tracked remap print what patlab predicts and leave the reservation', (t) => {
  if (skipUnless(t, '6.12-amd64')) return;
  const out = ran('6.12-amd64', 'spec04/case10-munmap-middle-third.yaml');
  assert.match(out, /^ {2}agrees {3}step 3 munmap: messages: \["x86\/PAT: insmod:\d+ freeing invalid memtype \[mem 0xc0001000-0xc0001fff\]"\]$/m);
  assert.match(out, /^ {2}agrees {3}pat_memtype_list change: \+\[mem 0x00000000c0000000-/m);
});

// Kernel history settled from the sources (docs/decisions.md V1, V2), checked on both 64-bit kernels:
// vmf_insert_mixed without VM_MIXEDMAP is the BUG on 6.1 and SIGBUS on 6.12; vm_insert_page of a
// refcount-0 page into a VM_PFNMAP VMA is -EINVAL on 6.1 and the VM_PFNMAP BUG on 6.12. Steps after
// a fatal outcome run on neither side and are not compared.
test('real 6.1-amd64 and 6.12-amd64 kernels: the pre-6.10 and 6.10+ insert checks are what each preset predicts', (t) => {
  if (skipUnless(t, '6.1-amd64', '6.12-amd64')) return;
  assert.match(ran('6.1-amd64', 'history/vm-mixed-ok-bug.yaml'), /agrees {3}step 2 vmf_insert_mixed: fatal outcome: BUG at mm\/memory\.c$/m);
  assert.match(ran('6.1-amd64', 'history/vm-insert-page-count-order.yaml'), /agrees {3}step 3 vm_insert_page: return value: -22$/m);
  assert.match(ran('6.12-amd64', 'history/vm-mixed-ok-bug.yaml'), /agrees {3}step 2 vmf_insert_mixed: fault: VM_FAULT_SIGBUS$/m);
  const c = ran('6.12-amd64', 'history/vm-insert-page-count-order.yaml');
  assert.match(c, /agrees {3}step 3 vm_insert_page: fatal outcome: BUG at mm\/memory\.c$/m);
  assert.doesNotMatch(c, /step 4 .*: ran/);
});

// vm_insert_page writes a normal PTE; 6.12's follow_pfnmap_start() will not walk it, so the module
// walks the tables itself (docs/probe-differences.md). Both kernels: the WC vm_page_prot is kept.
// apply_to_page_range (spec 04 §7): the callback's WC special PTEs over a BAR and over RAM whose
// page flag stays WB; nothing consults PAT on either kernel.
test('real 6.1-amd64 and 6.12-amd64 kernels: vm_insert_page keeps a WC vm_page_prot (case 12), read from the normal PTE; apply_to_page_range writes WC over RAM', (t) => {
  if (skipUnless(t, '6.1-amd64', '6.12-amd64')) return;
  for (const key of ['6.1-amd64', '6.12-amd64'] as const) {
    assert.match(ran(key, 'spec04/case12-insert-page-wc.yaml'), /^ {2}agrees {3}step 3 vm_insert_page: PTE type: write-combining$/m, key);
    const a = ran(key, 'spec04/apply-to-page-range.yaml');
    assert.match(a, /^ {2}agrees {3}step 5 apply_to_page_range: PTE type: write-combining$/m, key);
    assert.match(a, /^ {2}agrees {3}step 6 lookup_memtype: memtype: write-back$/m, key);
  }
});

// The 32-bit io_mapping path (iomap_create_wc, __iomap_local_pfn_prot, io_mapping_*): prot, PTE
// types of the fixmap slots and the UC- an existing reservation forces, observation by observation.
test('real 6.1-686-pae kernel: io_mapping_create_wc / map_local_wc and iomap_* agree, UC- under an existing reservation included', (t) => {
  if (skipUnless(t, '6.1-686-pae')) return;
  const out = ran('6.1-686-pae', 'spec03/io-mapping-686-pae.yaml');
  assert.match(out, /^ {2}agrees {3}step 12 io_mapping_map_local_wc: PTE type: uncached-minus$/m);
  assert.match(out, /^ {2}agrees {3}step 1 iomap_create_wc: prot: write-combining$/m);
});

// TTM's page pool through ttm.ko itself: on 686-pae a WC tt's pages are highmem and their PAT
// record stays WB; on x86-64 they get WC, the pool keeps it, and the direct-map split agrees
// because the tt's real pages are replayed (TTRUN lines, ttm_tt_populate pfns:). Several TTM
// scenarios share each boot: each module's device teardown leaves TTM's pools fresh for the next.
test('real kernels: TTM pool through ttm.ko: highmem pages stay WB on 686-pae; lowmem pages get WC and keep it in the pool on 6.1 and 6.12', (t) => {
  if (skipUnless(t, '6.1-686-pae', '6.1-amd64', '6.12-amd64')) return;
  const pae = ran('6.1-686-pae', 'drivers/ttm-pool-686-pae.yaml');
  assert.match(pae, /^ {2}agrees {3}step 3 ttm_tt_populate: highmem_pages: 16$/m);
  assert.match(pae, /^ {2}agrees {3}step 3 ttm_tt_populate: page_memtype: write-back$/m);
  for (const key of ['6.1-amd64', '6.12-amd64'] as const) {
    const r = ran(key, 'drivers/ttm-pool-x86-64.yaml');
    assert.match(r, /^ {2}agrees {3}step 7 lookup_memtype: memtype: write-combining$/m, key);
    assert.match(r, /^ {2}agrees {3}DirectMap change during the scenario \(kB\): /m, key);
  }
});

// The debate's case through TTM itself: ttm_bo_mmap_obj, the fault (ttm_bo_vm_fault_reserved asks
// for WC, vmf_insert_pfn_prot installs WB on the highmem page), and TTM's WC kmap_local of that page.
test('real 6.1-686-pae kernel: TTM\'s fault on a WC BO installs WB on highmem while TTM\'s own kmap_local maps it WC', (t) => {
  if (skipUnless(t, '6.1-686-pae')) return;
  const out = ran('6.1-686-pae', 'drivers/ttm-highmem-wc-686-pae.yaml');
  assert.match(out, /^ {2}agrees {3}step 4 ttm_bo_vm_fault: requested: write-combining$/m);
  assert.match(out, /^ {2}agrees {3}step 4 ttm_bo_vm_fault: PTE type: write-back$/m);
  assert.match(out, /^ {2}agrees {3}step 7 ttm_kmap_iter_tt_map_local: PTE type: write-combining$/m);
});

// Batching itself: scenarios of one machine share a boot, and what a module leaves (a memtype
// entry a remap's reservation kept) is replayed into the next one's prediction.
test('real 6.1-amd64 kernel: scenarios of one machine share boots; a memtype entry an earlier module left is replayed', (t) => {
  if (skipUnless(t, '6.1-amd64')) return;
  const s = sweep('6.1-amd64');
  const shared = [...s.out.values()].filter((o) => /^ {2}note: one boot of \d+ scenarios; this module was loaded \d+\w\w$/m.test(o));
  assert.ok(shared.length >= 20, `${shared.length} scenarios in shared boots`);
  assert.ok(shared.some((o) => /^ {2}note: \d+ memtype entr(y|ies) an earlier module of this boot left (is|are) replayed into the prediction's tree$/m.test(o)));
});

// Processes (docs/probe.md §1, "Processes"): the user program forks and exits as the scenario's
// pids say; the child's real pid is replayed as its child_pid, so pid-naming messages and the
// fork's own pid compare; each exit's mm teardown is observed as a step.
test('real 6.1-amd64 and 6.12-amd64 kernels: fork, exit, mremap and a driver\'s zap_vma_ptes agree, the child\'s pid included', (t) => {
  if (skipUnless(t, '6.1-amd64', '6.12-amd64')) return;
  for (const key of ['6.1-amd64', '6.12-amd64'] as const) {
    const c11 = ran(key, 'spec04/case11-fork-tracked.yaml');
    assert.doesNotMatch(c11, /not supported/, key);
    assert.match(c11, /^ {2}agrees {3}step 3 fork: pid: \d+$/m, key);
    assert.match(c11, /^ {2}agrees {3}step 4 follow_pfnmap: pfn: 0xc0001$/m, key);
    assert.match(c11, /^ {2}agrees {3}step 8 exit: messages: /m, key);
    assert.match(ran(key, 'spec04/legacy-fork-strict.yaml'), /^ {2}agrees {3}step 3 fork: return value: 0$/m, key);
    // Decision V6: the kernel's own zap_vma_ptes of one page frees the whole VMA's reservation (<= v6.15); the other PTE stays WC.
    const zap = ran(key, 'spec04/legacy-zap-untracks.yaml');
    assert.match(zap, /^ {2}agrees {3}step 5 follow_pfnmap: PTE type: write-combining$/m, key);
    assert.match(zap, /^ {2}agrees {3}step 6 lookup_memtype: memtype: uncached-minus$/m, key);
    assert.match(zap, /^ {2}agrees {3}step 8 munmap: messages: \[\]$/m, key);
    // mremap from the user program: growing a VM_DONTEXPAND remap is -EFAULT; the shrunk rest keeps pfn and WC.
    const mr = ran(key, 'spec04/mremap-pfnmap.yaml');
    assert.match(mr, /^ {2}agrees {3}step 3 mremap: return value: -14$/m, key);
    assert.match(mr, /^ {2}agrees {3}step 5 follow_pfnmap: pfn: 0xfd001$/m, key);
  }
});

// Calls the sweep now runs that it stopped at before: a set_pages_array_wc of a literal highmem
// page oopses on 686-pae as patlab predicts; ttm_bo_touch faults through the kernel's own
// handle_mm_fault into ttm_bo_vm_fault; the CPA-only _set_memory_* through kallsyms.
test('real kernels: the highmem set_pages_array oops, ttm_bo_touch through the real fault path, and _set_memory_* agree', (t) => {
  if (skipUnless(t, '6.1-686-pae', '6.1-amd64')) return;
  const oops = ran('6.1-686-pae', 'spec03/highmem-set-pages-array-oops.yaml');
  assert.match(oops, /^ {2}agrees {3}step 5 set_pages_array_wc: fatal outcome: /m);
  const touch = ran('6.1-amd64', 'suite/x86-64-wc-without-set-pages.yaml');
  assert.match(touch, /^ {2}agrees {3}step 4 ttm_bo_touch: inserted: 16$/m);
  assert.match(touch, /^ {2}agrees {3}step 4 ttm_bo_touch: fault: VM_FAULT_NOPAGE$/m);
  assert.doesNotMatch(ran('6.1-amd64', 'spec03/or-semantics.yaml'), /not supported/);
});

// VRAM BOs (spec 05 §4.4 sequences D and E): a BO in the device's VRAM range manager whose aperture
// is the scenario's bus address; faulted, TTM asks for WC, and PAT gives WC where the driver
// reserved the aperture WC (arch_io_reserve_memtype_wc) and UC- where nothing covers it.
test('real 6.1-amd64 and 6.12-amd64 kernels: a WC VRAM BO faults WC under the driver\'s WC reservation and UC- without one', (t) => {
  if (skipUnless(t, '6.1-amd64', '6.12-amd64')) return;
  for (const key of ['6.1-amd64', '6.12-amd64'] as const) {
    const out = ran(key, 'drivers/ttm-vram-aperture.yaml');
    assert.doesNotMatch(out, /not supported/, key);
    assert.match(out, /^ {2}agrees {3}step 5 ttm_bo_vm_fault: PTE type: write-combining$/m, key);
    assert.match(out, /^ {2}agrees {3}step 8 ttm_bo_vm_fault: requested: write-combining$/m, key);
    assert.match(out, /^ {2}agrees {3}step 8 ttm_bo_vm_fault: PTE type: uncached-minus$/m, key);
  }
});
