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
import { bareWarn, collapseSplats, directmapDelta, fatalKind, parseProbeDmesg } from '../../src/io/probe/observe.js';
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
    '  - pci_mmap_resource: { bar: 0xc0000000, size: 4K }',
    '  - __free_pages: { pages: p }',
  ].join('\n');
  const m = moduleSource(loadScenarioFile(text, 't.yaml'));
  assert.deepEqual(m.steps, [1]);
  assert.equal(m.unsupported?.step, 2);
  assert.match(m.unsupported!.reason, /^step 2 pci_mmap_resource: the BAR is the scenario machine's device/);
  assert.doesNotMatch(m.c, /h_p_blocks = 0;/);
  const dir = mkdtempSync(join(tmpdir(), 'probe-'));
  const f = join(dir, 't.yaml');
  writeFileSync(f, text);
  const r = cli(f, '--emit', join(dir, 'out'));
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /probe: not supported: step 2 pci_mmap_resource: .*; steps from 2 on are not run/);
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

test('lines other contexts print on their own schedule (the TSC refinement, the clocksource switch) are not a step\'s messages', () => {
  const r = parseProbeDmesg([
    'patprobe: PID 7',
    'patprobe: STEP 17 arch_io_reserve_memtype_wc BEGIN',
    '[    2.913911] tsc: Refined TSC clocksource calibration: 2596.113 MHz',
    '[    2.914101] clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x256be3faaaa, max_idle_ns: 440795211792 ns',
    '[    2.916000] clocksource: Switched to clocksource tsc',
    '[    2.916100] x86/PAT: memtype_reserve added [mem 0xd0100000-0xd01fffff], track write-combining, req write-combining, ret write-combining',
    'patprobe: STEP 17 END',
  ].join('\n'));
  assert.deepEqual(r.steps.get(17)!.messages, ['x86/PAT: memtype_reserve added [mem 0xd0100000-0xd01fffff], track write-combining, req write-combining, ret write-combining']);
});

test('user-mapping calls: remap_pfn_range and vm_insert_page take mmap_lock for writing, gup pins into its own handle', () => {
  const text = [
    'name: t',
    'machine: desktop-x86-64',
    'steps:',
    '  - alloc_pages: { gfp: GFP_KERNEL, order: 1 }',
    '    as: p',
    '  - mmap: { size: 8K }',
    '    as: m',
    '  - vm_insert_page: { addr: m, page: p.1 }',
    '  - get_user_pages: { addr: m, count: 1 }',
    '    as: g',
    '  - put_page: { pages: g }',
    '  - mmap: { size: 8K }',
    '    as: n',
    '  - remap_pfn_range: { addr: n, pfn: p.0, size: 8K, prot: UC- }',
    '  - vmf_insert_mixed: { addr: n, pfn: 0xc0000 }',
    '  - page_ref_count: { page: p.0 }',
  ].join('\n');
  const m = moduleSource(loadScenarioFile(text, 't.yaml'));
  assert.equal(m.unsupported, undefined);
  assert.deepEqual(m.steps, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.match(m.c, /mmap_write_lock\(current->mm\); vma = find_vma[^\n]*\n[^\n]*\n\t {2}r = vm_insert_page\(vma, va, h_p\[1\]\);/);
  assert.match(m.c, /r = remap_pfn_range\(vma, va, page_to_pfn\(h_p\[0\]\), 0x2000ULL, __pgprot\(.*_PAGE_CACHE_MODE_UC_MINUS\)\)\);/);
  assert.match(m.c, /vmf_insert_mixed\(vma, va, pfn_to_pfn_t\(0xc0000ULL\)\)/);
  assert.match(m.c, /static struct page \*h_g\[1\];/);
  assert.match(m.c, /for \(j = 0; j < h_g_pinned; j\+\+\) put_page\(h_g\[j\]\); h_g_pinned = 0;/);
  assert.match(m.c, /probe_page_refs\(9, h_p\[0\]\);/);
  assert.match(m.c, /patprobe: ALLOC 1 %d %#lx/);
});

test('memtype_reserve passes new_type unless the step says new_type: false, as patlab\'s call does', () => {
  const m = moduleSource(loadScenarioFile(['name: t', 'machine: desktop-x86-64', 'steps:', '  - memtype_reserve: { start: 0xde000000, end: 0xde001000, type: WC }', '  - memtype_reserve: { start: 0xde001000, end: 0xde002000, type: WC, new_type: false }'].join('\n'), 't.yaml'));
  assert.match(m.c, /r = p_memtype_reserve\(0xde000000ULL, 0xde001000ULL, _PAGE_CACHE_MODE_WC, &nt\);/);
  assert.match(m.c, /OBS 1 new_type=%s/);
  assert.match(m.c, /r = p_memtype_reserve\(0xde001000ULL, 0xde002000ULL, _PAGE_CACHE_MODE_WC, NULL\);/);
});

test('zap_vma_ptes is the kernel\'s own, under mmap_lock for reading, and only where a VMA holds the address', () => {
  const text = ['name: t', 'machine: desktop-x86-64', 'steps:', '  - mmap: { size: 8K }', '    as: m', '  - remap_pfn_range: { addr: m, pfn: 0xc0000, size: 8K, prot: WC }', '  - zap_vma_ptes: { addr: m+0x1000, size: 4K }'].join('\n');
  const m = moduleSource(loadScenarioFile(text, 't.yaml'));
  assert.equal(m.unsupported, undefined);
  assert.deepEqual(m.steps, [1, 2, 3]);
  assert.match(m.c, /mmap_read_lock\(current->mm\); vma = find_vma\(current->mm, va\);\n\t {2}if \(vma && vma->vm_start <= va\) zap_vma_ptes\(vma, va, 0x1000ULL\);\n\t {2}mmap_read_unlock\(current->mm\); \}/);
});

test('a BUG inside a step is its fatal outcome: the splat collapses to its first line and the register dump is not a message', () => {
  const dmesg = [
    '[    3.5] patprobe: PID 115',
    '[    3.6] patprobe: STEP 1 alloc_pages BEGIN',
    '[    3.6] patprobe: ALLOC 1 0 0x3fa380',
    '[    3.6] patprobe: OBS 1 ret=ok',
    '[    3.6] patprobe: STEP 1 END',
    '[    3.7] patprobe: STEP 2 remap_pfn_range BEGIN',
    '[    3.7] ------------[ cut here ]------------',
    '[    3.7] kernel BUG at mm/memory.c:2402!',
    '[    3.7] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI',
    '[    3.7] RIP: 0010:remap_pfn_range_internal+0x3bd/0x580',
    '[    3.7] ---[ end trace 0000000000000000 ]---',
  ].join('\n');
  const r = parseProbeDmesg(dmesg);
  assert.deepEqual([...r.allocs], [[1, [0x3fa380]]]);
  assert.equal(r.steps.get(1)!.ended, true);
  const s = r.steps.get(2)!;
  assert.equal(s.ended, false);
  assert.deepEqual(collapseSplats(s.messages), ['kernel BUG at mm/memory.c:2402!']);
  assert.equal(fatalKind('', 'kernel BUG at mm/memory.c:2402!'), 'BUG at mm/memory.c');
  assert.equal(fatalKind('BUG', 'kernel BUG at mm/memory.c: remap_pte_range: !pte_none(*pte)'), 'BUG at mm/memory.c');
  assert.equal(fatalKind('', 'BUG: unable to handle page fault for address: ffff8880c0000000'), 'Oops');
  assert.equal(fatalKind('', 'x86/PAT: insmod:1 map pfn RAM range req write-combining'), 'none');
  // A WARN's block is still one message, and the lines after it are kept.
  assert.deepEqual(
    collapseSplats(['------------[ cut here ]------------', 'refcount_t: underflow; use-after-free.', 'WARNING: CPU: 0 PID: 1 at lib/refcount.c:28 refcount_warn_saturate+0x1/0x2', 'RIP: x', '---[ end trace 0000000000000000 ]---', 'after']),
    ['WARNING: refcount_t: underflow; use-after-free.', 'after'],
  );
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

test('probe --batch that is not a whole number from 1 is one positioned line, exit 2', () => {
  for (const bad of ['0', '-3', '2.5', 'many']) {
    const r = cli(CASE01, '--batch', bad);
    assert.equal(r.code, 2, bad);
    assert.equal(r.err, `<command line>:1:1: --batch '${bad}': expected a whole number from 1 to 9999\n`, bad);
  }
});

// Real kernels under qemu: scripts/probe/install.sh puts them in place (.ci/run runs it). The
// issue's own command, one scenario in a boot of its own; every scenario, batched, is kernels.test.ts.
const k686 = findKernel('6.1-686-pae');
test('real 6.1-686-pae kernel: vmf_insert_pfn_prot with WC on a highmem page installs WB, as patlab predicts', (t) => {
  if ('missing' in k686) return t.skip(`kernel tests skipped: ${k686.missing}`);
  const r = cli(CASE01);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^ {2}agrees {3}step 3 vmf_insert_pfn_prot: PTE type: write-back$/m);
  assert.match(r.out, /^ {2}agrees {3}step 3 vmf_insert_pfn_prot: fault: VM_FAULT_NOPAGE$/m);
  assert.match(r.out, /^ {2}(\d+)\/\1 observations agree$/m);
});

test('"caller %pS mapping multiple BARs" is compared without the caller symbol; other messages are untouched', () => {
  assert.equal(bareWarn('caller patprobe_init+0xa2/0x1000 [patprobe] mapping multiple BARs'), bareWarn('caller pattest_init+0x6d mapping multiple BARs'));
  assert.equal(bareWarn('caller pattest_init+0x6d mapping multiple BARs'), 'caller (the calling function) mapping multiple BARs');
  assert.equal(bareWarn('x86/PAT: caller mapping multiple BARs'), 'x86/PAT: caller mapping multiple BARs');
  assert.equal(bareWarn('WARNING: at arch/x86/mm/pat/memtype.c:515 memtype_reserve+0x197/0x2c0'), 'WARNING: (a WARN without a message)');
});

test('a TTM scenario makes a module that needs ttm.ko; its mmap is said to be not supported', () => {
  const sc = loadScenarioFile(
    ['name: t', 'machine: debian-6.1-amd64-qemu', 'steps:', '  - ttm_device_init: { page_pool_size: 512 }', '  - ttm_bo_create: { size: 8K, caching: WC }', '    as: bo', '  - ttm_tt_populate: { bo: bo }', '  - ttm_bo_mmap_obj: { bo: bo }'].join('\n'),
    't.yaml',
  );
  const m = moduleSource(sc);
  assert.deepEqual(m.ttm, { pagePoolSize: 512 });
  assert.match(m.c, /^#define PATPROBE_TTM 1$/m);
  assert.match(m.c, /r = ttm_tt_populate\(&probe_bdev, h_bo->bo\.ttm, &ctx\);/);
  assert.deepEqual(m.steps, [1, 2, 3]);
  assert.match(m.unsupported!.reason, /^step 4 ttm_bo_mmap_obj: /);
  assert.equal(moduleSource(loadScenarioFile('name: n\nmachine: debian-6.1-amd64-qemu\nsteps:\n  - mmap: { size: 4K }\n', 'n.yaml')).ttm, undefined);
});

test('a BO a user maps is a device BO, mapped at its offset in the device\'s address space, so ttm_bo_unmap_virtual zaps it: the zapped PTEs are observed', () => {
  const sc = loadScenarioFile(
    ['name: t', 'machine: desktop-x86-64', 'steps:', '  - ttm_device_init: {}', '  - ttm_bo_create: { size: 8K, caching: WC }', '    as: bo', '  - ttm_tt_populate: { bo: bo }', '  - ttm_bo_mmap_obj: { bo: bo }', '    as: u', '  - ttm_bo_unmap_virtual: { bo: bo }'].join('\n'),
    't.yaml',
  );
  const m = moduleSource(sc);
  assert.equal(m.unsupported, undefined);
  assert.match(m.c, /ttm_bo_init_reserved\(&probe_bdev, &b->bo, ttm_bo_type_device,/);
  assert.match(m.c, /vm_mmap\(probe_file, 0, 0x2000ULL, PROT_READ \| PROT_WRITE, MAP_SHARED, \(unsigned long\)drm_vma_node_offset_addr\(&h_bo->bo\.base\.vma_node\)\);/);
  assert.match(m.c, /\{ long before = probe_vma_present\(h_u\); ttm_bo_unmap_virtual\(&h_bo->bo\);\n\t {2}pr_info\("patprobe: OBS 5 zapped=%ld\\n", before - \(probe_vma_present\(h_u\)\)\); \}/);
});

test('6.12\'s "CPU: 0 UID: 0 PID: ..." dump_stack and WARN lines collapse as 6.1\'s do', () => {
  const stack = ['iounmap: bad address ffffc90040000000', 'CPU: 0 UID: 0 PID: 170 Comm: insmod Tainted: G        W  OE      6.12.118+deb12-amd64 #1', 'Call Trace:', ' <TASK>', ' dump_stack_lvl+0x64/0x80', ' </TASK>', 'next'];
  assert.deepEqual(collapseSplats(stack), ['iounmap: bad address ffffc90040000000', 'next']);
  assert.deepEqual(collapseSplats(['------------[ cut here ]------------', 'WARNING: CPU: 0 UID: 0 PID: 9 at mm/x.c:1 f+0x1/0x2', '---[ end trace 0000000000000000 ]---']), ['WARNING: at mm/x.c:1 f+0x1/0x2']);
});

test('the module lists the boot\'s 4 KiB-mapped direct-map blocks before step 1, and the parser reads them', () => {
  const sc = loadScenarioFile('name: n\nmachine: debian-6.1-amd64-qemu\nsteps:\n  - mmap: { size: 4K }\n    as: m\n', 'n.yaml');
  const c = moduleSource(sc).c;
  const init = c.slice(c.indexOf('static int __init patprobe_init(void)'));
  assert.ok(init.indexOf('probe_begin_state();') > 0 && init.indexOf('probe_begin_state();') < init.indexOf('if (probe_step(1)) goto out;'));
  const begin = c.slice(c.indexOf('static void probe_begin_state(void)'));
  assert.ok(begin.indexOf('probe_print_4k_blocks();') > 0 && begin.indexOf('probe_print_4k_blocks();') < begin.indexOf('\n}'));
  // With the user program the steps run after insmod: the start is taken at its first write,
  // after system_wq has run the deferred free of the module's init sections (it resets direct-map entries).
  const user = moduleSource(loadScenarioFile('name: u\nmachine: debian-6.1-amd64-qemu\nsteps:\n  - mmap: { size: 4K }\n    as: m\n  - fork: { child_pid: 2 }\n', 'u.yaml')).c;
  const userInit = user.slice(user.indexOf('static int __init patprobe_init(void)'));
  assert.ok(!userInit.slice(0, userInit.indexOf('\n}')).includes('probe_begin_state();'));
  const write = user.slice(user.indexOf('static ssize_t probe_write('));
  assert.ok(write.indexOf('__flush_workqueue(system_wq);') > 0 && write.indexOf('__flush_workqueue(system_wq);') < write.indexOf('probe_begin_state();'));
  const r = parseProbeDmesg(['patprobe: BEGIN', 'patprobe: PID 9', 'patprobe: DMAP4K 0x0', 'patprobe: DMAP4K 0x1e00', 'patprobe: DMAP2M 0x40000', 'patprobe: DONE'].join('\n'));
  assert.deepEqual(r.split4k, [0, 0x1e00]);
  // 1 GiB blocks not held by one leaf (x86-64 with GB pages): replayed as 1G -> 2M splits.
  assert.deepEqual(r.split1g, [0x40000]);
});

test('apply_to_page_range is written with its callback, which the module defines', () => {
  const sc = loadScenarioFile('name: a\nmachine: debian-6.1-amd64-qemu\nsteps:\n  - mmap: { size: 8K, flags: VM_PFNMAP|VM_IO }\n    as: m\n  - apply_to_page_range: { addr: m, size: 8K, pfn: 0xfd000, prot: WC }\n', 'a.yaml');
  const c = moduleSource(sc).c;
  assert.match(c, /r = apply_to_page_range\(current->mm, va, 0x2000ULL, probe_atpr_fn, &d\);/);
  assert.match(c, /^struct probe_atpr \{/m);
  assert.match(c, /^static int __maybe_unused probe_atpr_fn\(pte_t \*pte, unsigned long addr, void \*data\)$/m);
});

test('the module stops where patlab stops: a step naming an address handle its call left empty ends the module before its BEGIN marker', () => {
  const sc = loadScenarioFile(
    'name: u\nmachine: debian-6.1-amd64-qemu\nsteps:\n  - ioremap: { phys: 0xfd000000, size: 4K }\n    as: v\n  - alloc_pages: { gfp: GFP_KERNEL }\n    as: p\n  - lookup_address: { addr: v }\n  - set_pages_array_wc: { pages: p }\n  - iounmap: { addr: v }\n',
    'u.yaml',
  );
  const c = moduleSource(sc).c;
  const step = (i: number): string => c.slice(c.indexOf(`\tcase ${i}: {`), c.indexOf(`STEP ${i} END`));
  for (const i of [3, 5]) {
    const s = step(i);
    assert.ok(s.indexOf('if (!h_v || IS_ERR_VALUE(h_v)) { pr_info("patprobe: UNBOUND') >= 0 && s.indexOf('UNBOUND') < s.indexOf(`STEP ${i} `), `step ${i}: ${s}`);
    assert.match(s, /goto out; \}/);
  }
  // A pages handle stops the module at its own allocation already; no guard for it.
  assert.doesNotMatch(step(4), /UNBOUND/);
  assert.doesNotMatch(step(1), /UNBOUND/);
  // Each allocation reports its pages whose direct-map entry has cache bits.
  assert.match(step(2), /probe_alloc_bits\(2, pg, 1\);/);
  assert.match(c, /patprobe: ALLOCBITS %d %#lx %#lx/);
  // x86-64: the high map's 4 KiB blocks, through kallsyms.
  assert.match(c, /p_kln\("_text"\), end = p_kln\("_end"\)/);
  assert.match(c, /patprobe: HMAP4K %#lx/);
});

test('parseProbeDmesg reads the high map blocks (HMAP4K) and the allocated pages with cache bits (ALLOCBITS); an UNBOUND line is no step', () => {
  const r = parseProbeDmesg(
    ['patprobe: BEGIN', 'patprobe: PID 9', 'patprobe: HMAP4K 0x1000', 'patprobe: HMAP4K 0x1200', 'patprobe: STEP 1 alloc_pages BEGIN', 'patprobe: ALLOC 1 0 0x4401', 'patprobe: ALLOCBITS 1 0x4401 0x8', 'patprobe: ALLOCBITS 1 0x4402 0x18', 'patprobe: OBS 1 ret=ok', 'patprobe: STEP 1 END', 'patprobe: UNBOUND 2 v', 'patprobe: DONE'].join('\n'),
  );
  assert.deepEqual(r.splitHigh4k, [0x1000, 0x1200]);
  assert.deepEqual(r.allocBits.get(1), [[0x4401, 0x8], [0x4402, 0x18]]);
  assert.deepEqual([...r.steps.keys()], [1]);
  assert.deepEqual(r.steps.get(1)!.messages, []);
});
