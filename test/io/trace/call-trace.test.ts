/**
 * The call-trace form (src/io/trace/call-trace.ts): pure memtype-trace v1
 * files replay byte for byte as before — every golden, through the real CLI —
 * and files with `machine`/`kernel` run scenario calls on a full kernel, with
 * positioned errors.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InputError } from '../../../src/run/input-error.js';
import { replayCallTrace } from '../../../src/io/trace/call-trace.js';
import { replayMemtypeTrace } from '../../../src/io/trace/memtype-trace.js';
import { REPO_ROOT, SHARED_DIR } from '../../shared-dir.js';

const GOLDEN = join(SHARED_DIR, 'golden', 'memtype');
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

test('every golden v1 trace replays byte for byte through patlab memtype-replay (the call-trace entry point)', () => {
  const traces = readdirSync(GOLDEN)
    .filter((f) => f.endsWith('.trace'))
    .sort();
  assert.ok(traces.length >= 52, `only ${traces.length} goldens`);
  for (const name of traces) {
    const r = spawnSync(process.execPath, [CLI, 'memtype-replay', join(GOLDEN, name)], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    assert.equal(r.stdout, readFileSync(join(GOLDEN, name.replace(/\.trace$/, '.expected')), 'utf8'), name);
  }
});

test('a v1 file with only a `kernel` line is a v1 replay under that kernel version', () => {
  const v1 = 'ram 0x100000 0x40000000\nreserve 0xd0000000 0xd0001000 write-combining\nfree 0xd0000000 0xd0001000\n';
  assert.equal(replayCallTrace('kernel 6.1\n' + v1, { file: 't' }), replayMemtypeTrace(v1, { file: 't', kernel: '6.1' }));
  // Errors keep their line numbers: the kernel line is line 1, the bad mode on line 3.
  assert.throws(
    () => replayCallTrace('kernel 6.1\nram 0x100000 0x40000000\nreserve 0xd0000000 0xd0001000 combining\n', { file: 't' }),
    (e: unknown) => e instanceof InputError && e.line === 3 && e.col === 31,
  );
});

const FULL = `# the i386pae-2g capture, as calls
machine debian-6.1-686-pae-qemu
alloc_pages gfp=GFP_HIGHUSER as=hi
kmap_local_page_prot page=hi.0 prot=WC as=l
lookup_address addr=l
ioremap_wc phys=0xfebf0000 size=8K comm=insmod pid=86
memtype_reserve start=0xd0100000 end=0xd0101000 type=WC
memtype_reserve start=0xd0100000 end=0xd0101000 type=UC new_type=false comm=insmod pid=86
iomap_create_wc base=0xd0400000 size=64K
ioremap phys=0xfed00000 size=0x1000 as=hpet
dump
set_pages_array_wc pages=[0x2000,0x50000]
lookup_memtype addr=0
`;

test('a full-kernel trace: log lines then one result line per call; a fatal outcome ends it', () => {
  const out = replayCallTrace(FULL, { file: 'full.trace' }).split('\n');
  assert.deepEqual(out, [
    'alloc_pages: ok zone=HighMem',
    'kmap_local_page_prot: ok',
    ...out.slice(2, 3).filter((l) => /^lookup_address: void level=4k pfn=0x36ffe type=write-combining( |$)/.test(l)),
    'log: resource: resource sanity check: requesting [mem 0x00000000febf0000-0x00000000febf1fff], which spans more than 0000:00:02.0 [mem 0xfebf0000-0xfebf0fff]',
    'log: caller insmod mapping multiple BARs',
    'ioremap_wc: ok type=write-combining vaddr=0xf7000000 mapping=write-combining',
    'memtype_reserve: 0 new_type=write-combining',
    'log: x86/PAT: insmod:86 conflicting memory types d0100000-d0101000 uncached<->write-combining',
    'log: x86/PAT: memtype_reserve failed [mem 0xd0100000-0xd0100fff], track uncached, req uncached',
    'memtype_reserve: -EBUSY',
    'iomap_create_wc: 0 prot=write-combining',
    'ioremap: ok type=uncached-minus vaddr=0xf7003000 mapping=uncached-minus',
    'dump: PAT memtype list:',
    'dump: PAT: [mem 0x000000007ffe0000-0x000000007ffe2000] write-back',
    'dump: PAT: [mem 0x000000007ffe1000-0x000000007ffe2000] write-back',
    'dump: PAT: [mem 0x00000000d0100000-0x00000000d0101000] write-combining',
    'dump: PAT: [mem 0x00000000d0400000-0x00000000d0410000] write-combining',
    'dump: PAT: [mem 0x00000000febf0000-0x00000000febf2000] write-combining',
    'dump: PAT: [mem 0x00000000fed00000-0x00000000fed01000] uncached-minus',
    'dump: PAT: [mem 0x00000000fed00000-0x00000000fed01000] uncached-minus',
    'dump: PAT: [mem 0x00000000fed00000-0x00000000fed01000] uncached-minus',
    'set_pages_array_wc: fatal oops in __cpa_process_fault: BUG: kernel NULL pointer dereference, address: 00000000',
    '',
  ]);
});

test('the CLI runs a full-kernel trace too', () => {
  const r = spawnSync(process.execPath, [CLI, 'memtype-replay', '-'], { input: 'machine desktop-x86-64\nioremap_cache phys=0xde000000 size=4K\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'ioremap_cache: ok type=uncached-minus vaddr=0xffffc90000000000 mapping="uncached-minus (requested write-back)"\n');
});

/** [trace, line, col, message] */
const ERRORS: [string, number, number, string][] = [
  ['machine desktop-x86_64\n', 1, 9, "unknown preset 'desktop-x86_64' (did you mean 'desktop-x86-64'?): expected one of "],
  ['machine desktop-x86-64\nkernel 6.2\n', 2, 8, "unknown kernel version '6.2' (did you mean '6.12'?): expected one of mainline, 6.12, 6.6, 6.1"],
  ['machine desktop-x86-64\nioremap_wcc phys=0xd0000000 size=4K\n', 2, 1, "unknown keyword 'ioremap_wcc' (did you mean 'ioremap_wc'?): expected a kernel call (see 'patlab calls'), 'dump' or 'mark'"],
  ['machine desktop-x86-64\nioremap_wc phys=0xd0000000 sise=4K\n', 2, 28, "unknown argument 'sise' of ioremap_wc (did you mean 'size'?): expected 'ioremap_wc phys=<phys> size=<size>'"],
  ['machine desktop-x86-64\nioremap_wc phys=0xd0000000\n', 2, 27, "missing argument 'size' of ioremap_wc: expected 'ioremap_wc phys=<phys> size=<size>'"],
  ['machine desktop-x86-64\nioremap_wc phys=0xd0000000 size=12Q\n', 2, 33, "bad ioremap_wc's 'size': expected a size in bytes (number, 0x hex, or '2M')"],
  ['machine desktop-x86-64\nioremap_prot phys=0xd0000000 size=4K prot=combining\n', 2, 43, "bad ioremap_prot's 'prot': expected a cache mode"],
  ['machine desktop-x86-64\nalloc_pages gfp=GFP_KERNEL as=buffer\nset_pages_array_wc pages=bufer\n', 3, 26, "unknown handle 'bufer' in set_pages_array_wc's 'pages' (did you mean 'buffer'?)"],
  ['machine desktop-x86-64\niounmap addr=0 as=x\n', 2, 16, "'iounmap' returns nothing to name: remove 'as'"],
  ['machine debian-6.1-amd64-qemu\npfnmap_track pfn=0xfebf0 size=4K prot=WC\n', 2, 1, "'pfnmap_track' is not available: pfnmap_track does not exist before v6.16"],
  ['machine desktop-x86-64\nreserve 0xd0000000 0xd0001000 write-combining\n', 2, 1, "v1 operation 'reserve' in a trace with 'machine': expected the kernel call 'memtype_reserve'"],
  ['machine desktop-x86-64\npat off\n', 2, 1, "v1 header line 'pat' in a trace with 'machine': the machine comes from the preset"],
  ['machine desktop-x86-64\ndump\nkernel 6.1\n', 3, 1, "header line 'kernel' after the first operation"],
  ['machine desktop-x86-64\nioremap_wc phys\n', 2, 12, "expected key=value, got 'phys'"],
];

for (const [trace, line, col, msg] of ERRORS) {
  test(`call-trace error at ${line}:${col}: ${msg.slice(0, 40)}`, () => {
    assert.throws(
      () => replayCallTrace(trace, { file: 'e.trace' }),
      (e: unknown) => {
        assert.ok(e instanceof InputError, String(e));
        assert.equal(`${e.line}:${e.col}`, `${line}:${col}`, e.message);
        assert.ok(e.detail.startsWith(msg), e.detail);
        return true;
      },
    );
  });
}

test('call-trace errors exit 2 through the CLI with one line and no stack', () => {
  const r = spawnSync(process.execPath, [CLI, 'memtype-replay', '-'], { input: 'machine desktop-x86-64\nioremap_wc phys=0xd0000000\n', encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, "<stdin>:2:27: missing argument 'size' of ioremap_wc: expected 'ioremap_wc phys=<phys> size=<size>'\n");
});

test('the trace form runs on the scenario runner: the errors YAML scenarios position are positioned here too', () => {
  const cases: [string, string][] = [
    ['machine x86-32-pae-4g\nalloc_pages gfp=GFP_KERNEL pfn=0x0 as=p\n', '<stdin>:2:1: step 1 (alloc_pages): pfn 0x0 is not free\n'],
    ['machine x86-32-pae-4g\nremap_pfn_range addr=0x1000 pfn=0x100 size=4096\n', '<stdin>:2:1: not modelled: a user-mapping call at 0x1000, where process 1 (replay) has no VMA\n'],
  ];
  for (const [input, err] of cases) {
    const r = spawnSync(process.execPath, [CLI, 'memtype-replay', '-'], { input, encoding: 'utf8' });
    assert.equal(r.stderr, err);
    assert.equal(r.status, 2);
  }
  // The same call in a YAML scenario gets the same words at its step.
  const y = spawnSync(process.execPath, [CLI, 'run', '-'], { input: 'name: s\nmachine: x86-32-pae-4g\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL, pfn: 0x0 }\n', encoding: 'utf8' });
  assert.equal(y.stderr, '<stdin>:4:5: step 1 (alloc_pages): pfn 0x0 is not free\n');
});

test("vmf_insert_* at an address no VMA covers answers the kernel's VM_FAULT_SIGBUS, with the check as its reason", () => {
  const r = spawnSync(process.execPath, [CLI, 'memtype-replay', '-'], { input: 'machine x86-32-pae-4g\nvmf_insert_pfn_prot addr=0x1000 pfn=0x100 prot=WC\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'vmf_insert_pfn_prot: void fault=VM_FAULT_SIGBUS\n');
  const j = JSON.parse(spawnSync(process.execPath, [CLI, 'compare', '-', '--policies', 'baseline', '--format', 'json'], { input: 'name: s\nmachine: x86-32-pae-4g\nsteps:\n  - vmf_insert_pfn_prot: { addr: 0x1000, pfn: 0x100, prot: WC }\n', encoding: 'utf8' }).stdout);
  const err = j.scenarios[0].policies[0].errors[0];
  assert.equal(err.what, 'VM_FAULT_SIGBUS');
  assert.match(err.reason, /^vmf_insert_pfn_prot: addr 0x1000 < vma->vm_start \|\| addr >= vma->vm_end .* → VM_FAULT_SIGBUS$/);
});
