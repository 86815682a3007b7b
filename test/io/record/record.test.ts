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
  const lines = t.lines.map((l) => l.text.replace(/ {2}#.*$/, '')).filter((l) => !l.startsWith('#'));
  assert.deepEqual(lines, [
    'machine x',
    'alloc_pages gfp=GFP_KERNEL pfn=0x3f16 as=pg3f16',
    'set_pages_array_wc pages=[0x3f16] comm=insmod pid=161',
    'mmap size=0x1000 flags=VM_PFNMAP|VM_IO shared=true write=true maywrite=true as=vm0 comm=insmod pid=161',
    'vmf_insert_pfn_prot addr=vm0 pfn=0x3f16 prot=WC comm=insmod pid=161',
  ]);
  assert.equal(t.replayed, 2);
  assert.equal(t.notModelled.size, 0);
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

test('the recorder script is valid sh, removes only its own events, and carries both architectures', () => {
  const s = recorderScript();
  const r = spawnSync('sh', ['-n'], { input: s, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(s, /-:\$e/);
  assert.doesNotMatch(s, /echo\s*>\s*\$T\/kprobe_events/, 'never clears every kprobe event');
  for (const a of ['x86-64', 'i386']) assert.match(s, new RegExp(`^ev memtype_reserve \\d+ \\d+ ${a} `, 'm'));
});
