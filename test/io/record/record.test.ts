/**
 * patlab record's pieces without a kernel: the fetch arguments each calling convention gives
 * (checked against what the recorded kernels printed, docs/record.md §2), the call-log reader
 * (pairing, nesting, i386's split words, positioned errors), and the importer's translation.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { entryFetchArgs, returnFetchArgs } from '../../../src/io/record/abi.js';
import { parseRecordFunctions, recordFunctions } from '../../../src/io/record/functions.js';
import { parseCallLog } from '../../../src/io/record/log.js';
import { recorderScript } from '../../../src/io/record/script.js';
import { callLogToTrace } from '../../../src/io/record/to-trace.js';
import { CacheModeTables } from '../../../src/hw/pte.js';
import { InputError } from '../../../src/run/input-error.js';

const proto = (name: string) => recordFunctions().find((f) => f.name === name)!.prototypes[0]!;
const X86_64_CTX = { arch: 'x86-64' as const, tables: CacheModeTables.fromMsr(0x0007010600070106n), pageOffset: 0n, highmemStartPfn: null };
/** A trace's call lines, without their comments. */
const replayLines = (t: { lines: { text: string }[] }) => t.lines.map((l) => l.text.replace(/ {2}#.*$/, '')).filter((l) => !l.startsWith('#'));
/** The trace replays exactly `lines` (comments aside), `replayed` of them recorded calls, none not modelled. */
function assertReplays(t: { lines: { text: string }[]; replayed: number; notModelled: Map<string, number> }, lines: string[], replayed: number): void {
  assert.deepEqual(replayLines(t), lines);
  assert.equal(t.replayed, replayed);
  assert.equal(t.notModelled.size, 0);
}

test('x86-64: six integer registers, pgprot_t in one', () => {
  assert.deepEqual(entryFetchArgs(proto('vmf_insert_pfn_prot'), 'x86-64'), [
    'vma=%di:x64', 'vma_start=+0(%di):x64', 'vma_end=+8(%di):x64', 'vma_flags=+32(%di):x64',
    'addr=%si:x64', 'pfn=%dx:x64', 'pgprot=%cx:x64', 'comm=$comm:string',
  ]);
  assert.deepEqual(returnFetchArgs(proto('ioremap_wc'), 'x86-64'), ['ret=$retval:x64']);
  assert.deepEqual(returnFetchArgs(proto('iounmap'), 'x86-64'), []);
});

test('i386 regparm(3): a 64-bit value takes two registers, and once one does not fit, it and all later ones go on the stack', () => {
  // memtype_reserve(u64 start, u64 end, enum req, enum *new): start in ax:dx; end does not fit in cx alone.
  assert.deepEqual(entryFetchArgs(proto('memtype_reserve'), 'i386'), [
    'start=%ax:x32', 'start_hi=%dx:x32', 'end=$stack1:x32', 'end_hi=$stack2:x32', 'req_type=$stack3:x32', 'new_type=$stack4:x32', 'comm=$comm:string',
  ]);
  // ioremap_wc(phys_addr_t, unsigned long): the PAE address in ax:dx, the size in cx.
  assert.deepEqual(entryFetchArgs(proto('ioremap_wc'), 'i386'), ['offset=%ax:x32', 'offset_hi=%dx:x32', 'size=%cx:x32', 'comm=$comm:string']);
  // vmf_insert_pfn_prot: three words in registers, pgprot_t (8 bytes on PAE) on the stack.
  assert.deepEqual(entryFetchArgs(proto('vmf_insert_pfn_prot'), 'i386').filter((a) => !a.startsWith('vma_')), [
    'vma=%ax:x32', 'addr=%dx:x32', 'pfn=%cx:x32', 'pgprot=$stack1:x32', 'pgprot_hi=$stack2:x32', 'comm=$comm:string',
  ]);
  assert.deepEqual(returnFetchArgs(proto('hva_to_pfn'), 'i386'), ['ret=%ax:x32', 'ret_hi=%dx:x32']);
});

test('a function table entry that is not TYPE NAME is a positioned error', () => {
  assert.throws(() => parseRecordFunctions('f: { ret: int, args: [ulong a, wide b] }\n', 'fns.yaml'), (e: unknown) => e instanceof InputError && e.message.startsWith('fns.yaml:1:') && /bad argument 'wide b'/.test(e.message));
  assert.throws(() => parseRecordFunctions('f: { ret: int, args: [], kernels: { from: six } }\n', 'fns.yaml'), /expected a kernel version/);
});

// Lines as 6.1-686-pae printed them (patlab probe --record, case02).
const I386_LOG = `# tracer: nop
           <...>-161     [000] .....    10.962479: set_pages_array_wc: (set_pages_array_wc+0x0/0x20) pages=0xf784a28c pages_0=0xf5167b70 pages_1=0xc1131320 addrinarray=0x1 comm="insmod"
           <...>-161     [000] .....    10.969916: memtype_reserve: (memtype_reserve+0x0/0x360) start=0x3f16000 start_hi=0x0 end=0x3f17000 end_hi=0x0 req_type=0x1 new_type=0x0 comm="insmod"
           <...>-161     [000] .....    10.970300: memtype_reserve__ret: (_set_pages_array+0x4d/0x160 <- memtype_reserve) ret=0x0
           <...>-161     [000] .....    10.973276: set_pages_array_wc__ret: (probe_step.cold+0xc5/0x3b8 [patprobe] <- set_pages_array_wc) ret=0x0
           <...>-161     [000] .....    10.974203: vmf_insert_pfn_prot: (vmf_insert_pfn_prot+0x0/0xe0) vma=0xc2979690 vma_start=0xb7f2e000 vma_end=0xb7f2f000 vma_flags=0x44fb addr=0xb7f2e000 pfn=0x3f16 pgprot=0x2f pgprot_hi=0x0 comm="insmod"
           <...>-161     [000] .....    10.974509: vmf_insert_pfn_prot__ret: (probe_step.cold+0x1ee/0x3b8 [patprobe] <- vmf_insert_pfn_prot) ret=0x100
`;

test('the log reader pairs returns with entries per task and keeps nested calls under their caller', () => {
  const log = parseCallLog(I386_LOG, 'calls.log');
  assert.equal(log.total, 3);
  assert.deepEqual(log.calls.map((c) => [c.name, c.ret, c.comm, c.line]), [['set_pages_array_wc', 0n, 'insmod', 2], ['vmf_insert_pfn_prot', 0x100n, 'insmod', 6]]);
  const inner = log.calls[0]!.children[0]!;
  assert.equal(inner.name, 'memtype_reserve');
  assert.equal(inner.args.get('end'), 0x3f17000n);
});

test("i386's two words are one 64-bit value", () => {
  const log = parseCallLog(`  x-1 [000] ..... 1.0: ioremap_wc: (ioremap_wc+0x0/0x10) offset=0x1000 offset_hi=0x1 size=0x1000\n`, 'l');
  assert.equal(log.calls[0]!.args.get('offset'), 0x100001000n);
});

test('a malformed or truncated log is FILE:LINE:COL', () => {
  assert.throws(() => parseCallLog(I386_LOG + 'garbage\n', 'calls.log'), (e: unknown) => e instanceof InputError && e.message.startsWith('calls.log:8:1: expected a trace line'));
  const cut = I386_LOG.slice(0, I386_LOG.indexOf('start_hi=') + 5);
  assert.throws(() => parseCallLog(cut, 'calls.log'), (e: unknown) => e instanceof InputError && /^calls\.log:3:\d+: /.test(e.message));
  assert.throws(() => parseCallLog('  x-1 [000] ..... 1.0: f: (f+0x0/0x1) a=zz\n', 'l'), /l:1:\d+: bad a 'zz': expected a number/);
});

test("the importer finds i386's mem_map from the pages the kernel reserved, and maps what the log never saw made", () => {
  const log = parseCallLog(I386_LOG, 'calls.log');
  const t = callLogToTrace(log, { arch: 'i386', tables: CacheModeTables.fromMsr(0x0007010600070106n), pageOffset: 0xc0000000n, highmemStartPfn: 0x37ffe }, ['machine x']);
  assertReplays(
    t,
    [
      'machine x',
      'alloc_pages gfp=GFP_KERNEL pfn=0x3f16 as=pg3f16',
      'set_pages_array_wc pages=[0x3f16] comm=insmod pid=161',
      'mmap size=0x1000 flags=VM_PFNMAP|VM_IO shared=true write=true maywrite=true as=vm0 comm=insmod pid=161',
      'vmf_insert_pfn_prot addr=vm0 pfn=0x3f16 prot=WC comm=insmod pid=161',
    ],
    2,
  );
});

test("an entry without a field the recorder fetches for the call (a cut or hand-edited log) is FILE:LINE:COL, not a wrong replay", () => {
  const ctx = { arch: 'i386' as const, tables: CacheModeTables.fromMsr(0x0007010600070106n), pageOffset: 0xc0000000n, highmemStartPfn: 0x37ffe, logFile: 'calls.log' };
  for (const [field, line] of [['start', 3], ['pfn', 6], ['pages_0', 2]] as const) {
    const edited = I386_LOG.replace(new RegExp(` ${field}=0x[0-9a-f]+`), '');
    assert.throws(
      () => callLogToTrace(parseCallLog(edited, 'calls.log'), ctx, ['machine x']),
      (e: unknown) => e instanceof InputError && e.message.startsWith(`calls.log:${line}:1: expected the field ${field}=VALUE in `),
      field,
    );
  }
});

test('a call whose objects are not in the log is counted as not modelled, and what it called is replayed in its place', () => {
  const log = parseCallLog(
    `  k-9 [000] ..... 1.0: ttm_pool_alloc: (ttm_pool_alloc+0x0/0x1) pool=0x1 tt=0x2 ctx=0x3\n` +
      `  k-9 [000] ..... 1.1: memtype_reserve: (memtype_reserve+0x0/0x1) start=0x1000 end=0x2000 req_type=0x1 new_type=0x0\n` +
      `  k-9 [000] ..... 1.2: memtype_reserve__ret: (x <- memtype_reserve) ret=0x0\n` +
      `  k-9 [000] ..... 1.3: ttm_pool_alloc__ret: (x <- ttm_pool_alloc) ret=0x0\n` +
      `  k-9 [000] ..... 1.4: iounmap: (iounmap+0x0/0x1) addr=0xffffc90000000000\n`,
    'l',
  );
  const t = callLogToTrace(log, { arch: 'x86-64', tables: CacheModeTables.fromMsr(0x0007010600070106n), pageOffset: 0n, highmemStartPfn: null }, []);
  assert.equal(t.replayed, 1);
  assert.deepEqual([...t.notModelled.values()], [1, 1]);
  assert.ok(t.lines.some((l) => l.text.startsWith('memtype_reserve start=0x1000 end=0x2000 type=WC new_type=false')));
  assert.ok(t.lines.some((l) => l.text.startsWith('# not modelled: iounmap (l:5)') || l.text.startsWith('# not modelled: iounmap (calls.log:5)')));
});

// Teardown lines as 6.1-amd64 printed them (patlab probe --record, legacy-zap-untracks): another
// process's exit zapping its vvar VMA, then the scenario's remap_pfn_range, the zap_vma_ptes of its
// first page (untrack_pfn's memtype_free first) and the munmap.
const X86_64_TEARDOWN = `            grep-183     [003] .....    13.768564: unmap_single_vma: (unmap_single_vma+0x0/0xd0) tlb=0xffffc9000033bc68 vma=0xffff8881022767b8 vma_start=0x7ffca0b0d000 vma_end=0x7ffca0b11000 vma_flags=0xc044411 comm="grep" caller=unmap_vmas+0xea/0x180
            grep-183     [003] .....    13.769545: untrack_pfn__ret: (unmap_single_vma+0x96/0xd0 <- untrack_pfn)
            grep-183     [003] .....    13.769554: unmap_page_range: (unmap_page_range+0x0/0x1150) tlb=0xffffc9000033bc68 vma=0xffff8881022767b8 vma_start=0x7ffca0b0d000 vma_end=0x7ffca0b11000 vma_flags=0xc044411 addr=0x7ffca0b0d000 end=0x7ffca0b11000 details=0xffffc9000033bb70 comm="grep" caller=unmap_vmas+0xea/0x180
           <...>-180     [002] .....    13.808408: remap_pfn_range: (remap_pfn_range+0x0/0xa0) vma=0xffff888102f67ed8 vma_start=0x7f795f36c000 vma_end=0x7f795f36e000 vma_flags=0x80000fb addr=0x7f795f36c000 pfn=0xc0000 size=0x2000 prot=0x800000000000002f comm="insmod"
           <...>-180     [002] .....    13.808501: memtype_reserve: (memtype_reserve+0x0/0x2c0) start=0xc0000000 end=0xc0002000 req_type=0x1 new_type=0xffffc9000031ba44 comm="insmod"
           <...>-180     [002] .....    13.808548: memtype_reserve__ret: (reserve_pfn_range+0xac/0x180 <- memtype_reserve) ret=0x0
           <...>-180     [002] .....    13.808615: remap_pfn_range__ret: (probe_step.cold+0x38d/0x540 [patprobe_2] <- remap_pfn_range) ret=0x0
           <...>-180     [002] .....    13.808973: unmap_single_vma: (unmap_single_vma+0x0/0xd0) tlb=0xffffc9000031ba30 vma=0xffff888102f67ed8 vma_start=0x7f795f36c000 vma_end=0x7f795f36e000 vma_flags=0xd0444fb comm="insmod" caller=zap_page_range_single+0x105/0x1a0
           <...>-180     [002] .....    13.809013: untrack_pfn: (untrack_pfn+0x0/0xe0) vma=0xffff888102f67ed8 vma_start=0x7f795f36c000 vma_end=0x7f795f36e000 vma_flags=0xd0444fb pfn=0x0 size=0x0 comm="insmod"
           <...>-180     [002] .....    13.809034: memtype_free: (memtype_free+0x0/0xf0) start=0xc0000000 end=0xc0002000 comm="insmod"
           <...>-180     [002] .....    13.809052: memtype_free__ret: (untrack_pfn+0xce/0xe0 <- memtype_free) ret=0x0
           <...>-180     [002] .....    13.809059: untrack_pfn__ret: (unmap_single_vma+0x96/0xd0 <- untrack_pfn)
           <...>-180     [002] .....    13.809065: unmap_page_range: (unmap_page_range+0x0/0x1150) tlb=0xffffc9000031ba30 vma=0xffff888102f67ed8 vma_start=0x7f795f36c000 vma_end=0x7f795f36e000 vma_flags=0xc0444fb addr=0x7f795f36c000 end=0x7f795f36d000 details=0x0 comm="insmod" caller=zap_page_range_single+0x105/0x1a0
           <...>-180     [002] .....    13.809740: unmap_single_vma: (unmap_single_vma+0x0/0xd0) tlb=0xffffc9000031b888 vma=0xffff888102f67ed8 vma_start=0x7f795f36c000 vma_end=0x7f795f36e000 vma_flags=0xc0444fb comm="insmod" caller=unmap_vmas+0xea/0x180
           <...>-180     [002] .....    13.809778: untrack_pfn__ret: (unmap_single_vma+0x96/0xd0 <- untrack_pfn)
           <...>-180     [002] .....    13.809784: unmap_page_range: (unmap_page_range+0x0/0x1150) tlb=0xffffc9000031b888 vma=0xffff888102f67ed8 vma_start=0x7f795f36c000 vma_end=0x7f795f36e000 vma_flags=0xc0444fb addr=0x7f795f36c000 end=0x7f795f36e000 details=0xffffc9000031b7c8 comm="insmod" caller=unmap_vmas+0xea/0x180
`;

// And as 6.1-686-pae printed them (case01): unmap_single_vma is out of line there, so it is
// unmap_page_range's caller for munmap and zap alike, and its own entry says which.
const I386_TEARDOWN = `              sh-168     [000] .....    10.167932: unmap_single_vma: (unmap_single_vma+0x0/0xc0) tlb=0xc2b6baa4 vma=0xc29f8b40 vma_start=0xb7f87000 vma_end=0xb7f8b000 vma_flags=0x4044411 comm="sh" caller=unmap_vmas+0xcd/0x150
              sh-168     [000] .N...    10.167985: untrack_pfn__ret: (unmap_single_vma+0x7c/0xc0 <- untrack_pfn)
              sh-168     [000] .N...    10.167992: unmap_page_range: (unmap_page_range+0x0/0xa80) tlb=0xc2b6baa4 vma=0xc29f8b40 vma_start=0xb7f87000 vma_end=0xb7f8b000 vma_flags=0x4044411 addr=0xb7f87000 end=0xb7f8b000 details=0xc2b6ba14 comm="sh" caller=unmap_single_vma+0x62/0xc0
           <...>-164     [001] .....    10.193573: vmf_insert_pfn_prot: (vmf_insert_pfn_prot+0x0/0xe0) vma=0xc2941550 vma_start=0xb7f86000 vma_end=0xb7f87000 vma_flags=0x40444fb addr=0xb7f86000 pfn=0xbf953 pgprot=0x2f pgprot_hi=0x0 comm="insmod"
           <...>-164     [001] .....    10.194042: vmf_insert_pfn_prot__ret: (probe_step.cold+0xa6/0x377 [patprobe_1] <- vmf_insert_pfn_prot) ret=0x100
          insmod-164     [001] .....    10.198251: unmap_single_vma: (unmap_single_vma+0x0/0xc0) tlb=0xc2b6dae4 vma=0xc2941550 vma_start=0xb7f86000 vma_end=0xb7f87000 vma_flags=0x40444fb comm="insmod" caller=unmap_vmas+0xcd/0x150
          insmod-164     [001] .....    10.198303: untrack_pfn__ret: (unmap_single_vma+0x7c/0xc0 <- untrack_pfn)
          insmod-164     [001] .....    10.198311: unmap_page_range: (unmap_page_range+0x0/0xa80) tlb=0xc2b6dae4 vma=0xc2941550 vma_start=0xb7f86000 vma_end=0xb7f87000 vma_flags=0x40444fb addr=0xb7f86000 end=0xb7f87000 details=0xc2b6da54 comm="insmod" caller=unmap_single_vma+0x62/0xc0
`;


test('teardown fetches: unmap_page_range at its entry only, with its caller and the kernel-side filter', () => {
  assert.deepEqual(entryFetchArgs(proto('unmap_page_range'), 'x86-64'), [
    'tlb=%di:x64', 'vma=%si:x64', 'vma_start=+0(%si):x64', 'vma_end=+8(%si):x64', 'vma_flags=+32(%si):x64',
    'addr=%dx:x64', 'end=%cx:x64', 'details=%r8:x64', 'comm=$comm:string', 'caller=$stack0:symbol',
  ]);
  // i386: tlb, vma and addr in registers, end and details on the stack.
  assert.deepEqual(entryFetchArgs(proto('unmap_page_range'), 'i386').filter((a) => !a.startsWith('vma_')), [
    'tlb=%ax:x32', 'vma=%dx:x32', 'addr=%cx:x32', 'end=$stack1:x32', 'details=$stack2:x32', 'comm=$comm:string', 'caller=$stack0:symbol',
  ]);
  assert.equal(returnFetchArgs(proto('unmap_page_range'), 'x86-64'), null);
  assert.equal(proto('unmap_page_range').filter, 'vma_flags & 0x10000400');
  // untrack_pfn keeps its return event: the memtype_free it makes nests under it.
  assert.deepEqual(returnFetchArgs(proto('untrack_pfn'), 'i386'), []);
  const s = recorderScript();
  assert.match(s, /^ev unmap_page_range 0 999999 x86-64 '[^']*caller=\$stack0:symbol' '[^']*' - 'vma_flags & 0x10000400'$/m);
  assert.match(s, /echo "\$8" > \$T\/events\/patlab\/\$1\/filter/);
  assert.throws(() => parseRecordFunctions("f: { ret: int, args: [], entry-only: true }\n", 'fns.yaml'), /fns\.yaml:1:\d+: entry-only needs 'ret: void'/);
  assert.throws(() => parseRecordFunctions("f: { ret: void, args: [], filter: \"a'b\" }\n", 'fns.yaml'), /fns\.yaml:1:\d+: bad filter/);
});

test('an entry-only event is a whole call: the next call of its task is not nested under it; its caller is the function of the return address', () => {
  const log = parseCallLog(X86_64_TEARDOWN, 'calls.log');
  const names = log.calls.map((c) => c.name);
  assert.deepEqual(names, ['unmap_single_vma', 'unmap_page_range', 'remap_pfn_range', 'unmap_single_vma', 'untrack_pfn', 'unmap_page_range', 'unmap_single_vma', 'unmap_page_range']);
  assert.deepEqual(log.calls.map((c) => c.caller ?? null), ['unmap_vmas', 'unmap_vmas', null, 'zap_page_range_single', null, 'zap_page_range_single', 'unmap_vmas', 'unmap_vmas']);
  assert.deepEqual(log.calls[4]!.children.map((c) => [c.name, c.ret]), [['memtype_free', 0n]]);
  // A caller in a module keeps its [module] with the value.
  const m = parseCallLog('  x-1 [000] ..... 1.0: unmap_page_range: (unmap_page_range+0x0/0x1) vma=0x1 addr=0x0 end=0x1000 caller=ttm_bo_foo+0x1/0x2 [ttm] comm="x"\n', 'l');
  assert.equal(m.calls[0]!.caller, 'ttm_bo_foo');
  assert.equal(m.calls[0]!.comm, 'x');
});

test("x86-64 teardown: a zap that keeps the VMA is zap_page_range_single, the munmap is munmap, untrack_pfn's memtype_free is the zap's own, other processes' zaps are ignored", () => {
  const t = callLogToTrace(parseCallLog(X86_64_TEARDOWN, 'calls.log'), X86_64_CTX, []);
  assertReplays(
    t,
    [
      'mmap size=0x2000 shared=true write=true maywrite=true as=vm0 comm=insmod pid=180',
      'remap_pfn_range addr=vm0 pfn=0xc0000 size=0x2000 prot=WC comm=insmod pid=180',
      'zap_page_range_single addr=vm0 size=0x1000 comm=insmod pid=180',
      'munmap addr=vm0 size=0x2000 comm=insmod pid=180',
    ],
    3,
  );
  assert.deepEqual(t.notes, ["1 of the 3 unmap_page_range calls zap VMAs no recorded call used (other processes' munmap and exit): not replayed"]);
});

test('i386 teardown: the out-of-line unmap_single_vma says whom unmap_page_range serves', () => {
  const ctx = { arch: 'i386' as const, tables: CacheModeTables.fromMsr(0x0007010600070106n), pageOffset: 0xc0000000n, highmemStartPfn: 0x37ffe };
  const t = callLogToTrace(parseCallLog(I386_TEARDOWN, 'calls.log'), ctx, []);
  assert.deepEqual(replayLines(t), [
    'mmap size=0x1000 flags=VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP shared=true write=true maywrite=true as=vm0 comm=insmod pid=164',
    'vmf_insert_pfn_prot addr=vm0 pfn=0xbf953 prot=WC comm=insmod pid=164',
    'munmap addr=vm0 size=0x1000 comm=insmod pid=164',
  ]);
  // Without unmap_single_vma's entry the caller cannot tell a munmap from a zap: a zap, and a note says so.
  const bare = callLogToTrace(parseCallLog(I386_TEARDOWN.split('\n').filter((l) => !/ unmap_single_vma: /.test(l)).join('\n'), 'calls.log'), ctx, []);
  assert.equal(replayLines(bare)[2], 'zap_page_range_single addr=vm0 size=0x1000 comm=insmod pid=164');
  assert.ok(bare.notes.some((n) => /munmap and a zap that keeps the VMA look alike/.test(n)));
});

test('a zap another task makes (TTM\'s unmap_mapping_range from a worker) is found by the vma pointer and replayed in the owner\'s mm; a piece a split made by the owner\'s pid and range', () => {
  const ev = (comm: string, pid: number, ts: string, name: string, f: string) => `  ${comm}-${pid} [000] ..... ${ts}: ${name}: (${name}+0x0/0x1) ${f}`;
  const vma = 'vma=0xffff8881aaaa0000 vma_start=0x7f0000000000 vma_end=0x7f0000003000 vma_flags=0x100444fb';
  const log = [
    ev('app', 7, '1.0', 'vmf_insert_pfn_prot', `${vma} addr=0x7f0000001000 pfn=0xc0001 pgprot=0x800000000000002f comm="app"`),
    ev('app', 7, '1.1', 'vmf_insert_pfn_prot__ret', 'ret=0x100'),
    ev('kworker', 99, '2.0', 'unmap_page_range', `tlb=0x1 ${vma} addr=0x7f0000000000 end=0x7f0000003000 details=0x2 comm="kworker" caller=zap_page_range_single+0x122/0x1d0`),
    // munmap of the middle page: the kernel split it off into a vm_area_struct of its own.
    ev('app', 7, '3.0', 'unmap_page_range', 'tlb=0x3 vma=0xffff8881bbbb0000 vma_start=0x7f0000001000 vma_end=0x7f0000002000 vma_flags=0x100444fb addr=0x7f0000001000 end=0x7f0000002000 details=0x4 comm="app" caller=unmap_vmas+0xea/0x180'),
    // The oom reaper zaps without untrack_pfn: not one of the zaps patlab replays.
    ev('oom_reaper', 30, '4.0', 'unmap_page_range', `tlb=0x5 ${vma} addr=0x7f0000000000 end=0x7f0000001000 details=0x0 comm="oom_reaper" caller=__oom_reap_task_mm+0x90/0x140`),
  ].join('\n') + '\n';
  const t = callLogToTrace(parseCallLog(log, 'calls.log'), X86_64_CTX, []);
  assert.deepEqual(replayLines(t).slice(1), [
    'vmf_insert_pfn_prot addr=vm0+0x1000 pfn=0xc0001 prot=WC comm=app pid=7',
    'zap_page_range_single addr=vm0 size=0x3000 comm=app pid=7',
    'munmap addr=vm0+0x1000 size=0x1000 comm=app pid=7',
  ]);
  assert.deepEqual([...t.notModelled.keys()], ['a zap from __oom_reap_task_mm (patlab replays the zaps of munmap, exit and zap_page_range_single)']);
  // After the whole VMA is unmapped its handle goes: a new VMA at the same place is a new mmap.
  const again = log + ev('app', 7, '5.0', 'unmap_page_range', 'tlb=0x3 vma=0xffff8881aaaa0000 vma_start=0x7f0000000000 vma_end=0x7f0000001000 vma_flags=0x100444fb addr=0x7f0000000000 end=0x7f0000001000 details=0x4 comm="app" caller=unmap_vmas+0xea/0x180') + '\n'
    + ev('app', 7, '5.1', 'unmap_page_range', 'tlb=0x3 vma=0xffff8881cccc0000 vma_start=0x7f0000002000 vma_end=0x7f0000003000 vma_flags=0x100444fb addr=0x7f0000002000 end=0x7f0000003000 details=0x4 comm="app" caller=unmap_vmas+0xea/0x180') + '\n'
    + ev('app', 7, '6.0', 'vmf_insert_pfn_prot', `${vma} addr=0x7f0000000000 pfn=0xc0002 pgprot=0x800000000000002f comm="app"`) + '\n'
    + ev('app', 7, '6.1', 'vmf_insert_pfn_prot__ret', 'ret=0x100') + '\n';
  const t2 = callLogToTrace(parseCallLog(again, 'calls.log'), X86_64_CTX, []);
  assert.deepEqual(replayLines(t2).slice(-2), ['mmap size=0x3000 flags=VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_MIXEDMAP shared=true write=true maywrite=true as=vm1 comm=app pid=7', 'vmf_insert_pfn_prot addr=vm1 pfn=0xc0002 prot=WC comm=app pid=7']);
});

test('the recorder script is valid sh, removes only its own events, and carries both architectures', () => {
  const s = recorderScript();
  const r = spawnSync('sh', ['-n'], { input: s, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(s, /-:\$e/);
  assert.doesNotMatch(s, /echo\s*>\s*\$T\/kprobe_events/, 'never clears every kprobe event');
  for (const a of ['x86-64', 'i386']) assert.match(s, new RegExp(`^ev memtype_reserve \\d+ \\d+ ${a} `, 'm'));
});
