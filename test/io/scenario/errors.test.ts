/**
 * Errors of the scenario language through the real CLI (`patlab run FILE`):
 * each error class gives exactly one line `FILE:LINE:COL: message` on stderr,
 * exit code 2 and no stack trace; an unmet expectation exits 1 and names
 * its position; `--format json` output validates against
 * schema/run.schema.json.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import AjvModule from 'ajv';
import { REPO_ROOT } from '../../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const DIR = mkdtempSync(join(tmpdir(), 'patlab-scenario-errors-'));

function run(name: string, text: string, ...extra: string[]): { code: number | null; stdout: string; stderr: string; file: string } {
  const file = join(DIR, `${name}.yaml`);
  writeFileSync(file, text);
  const r = spawnSync(process.execPath, [CLI, 'run', file, ...extra], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, file };
}

/** [name, scenario text, line, col, message] — the message exactly as printed after `FILE:LINE:COL: `. */
const CASES: [string, string, number, number, string][] = [
  ['yaml-syntax', 'machine: desktop-x86-64\nsteps:\n  - ioremap: { phys: 0x1000, size: 0x1000\n', 4, 1, 'YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }'],
  // name[i] inside a flow mapping is a YAML flow sequence: the error says how to write it.
  ['yaml-page-index', 'machine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL, count: 2 }\n    as: buf\n  - kmap: { page: buf[1] }\n', 5, 22, 'YAML syntax error: Unexpected flow-seq-start at node end (inside { }, a page of a handle is buf.1, or quote it: "buf[1]")'],
  [
    'top-key',
    'machine: desktop-x86-64\nstepz: []\nsteps: []\n',
    2,
    1,
    "unknown key 'stepz' in the scenario (did you mean 'steps'?): expected one of name, description, machine, steps, expect, report, roles",
  ],
  [
    'step-typo-without-steps',
    'name: s\nmachine: x86-32-pae-4g\nstep:\n  - alloc_pages: { gfp: GFP_KERNEL }\n',
    3,
    1,
    "unknown key 'step' in the scenario (did you mean 'steps'?): expected one of name, description, machine, steps, expect, report, roles",
  ],
  [
    'phys-beyond-exact',
    'machine: desktop-x86-64\nsteps:\n  - ioremap: { phys: 0xffffffffffff000, size: 4096 }\n',
    3,
    22,
    "bad ioremap's 'phys': number 0xffffffffffff000 is above 2^53-1, the largest exact address",
  ],
  [
    'unknown-call',
    'machine: desktop-x86-64\nsteps:\n  - ioremap_wcc: { phys: 0xd0000000, size: 0x1000 }\n',
    3,
    5,
    "unknown kernel call 'ioremap_wcc' in step 1 (did you mean 'ioremap_wc'?): expected a modelled kernel function (see 'patlab calls')",
  ],
  [
    'unknown-arg',
    'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, sise: 0x1000 }\n',
    3,
    37,
    "unknown argument 'sise' of ioremap_wc (did you mean 'size'?): expected 'ioremap_wc: { phys, size }'",
  ],
  ['missing-arg', 'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000 }\n', 3, 17, "missing argument 'size' of ioremap_wc: expected 'ioremap_wc: { phys, size }'"],
  [
    'bad-mode',
    'machine: desktop-x86-64\nsteps:\n  - ioremap_prot: { phys: 0xd0000000, size: 0x1000, prot: write-combine }\n',
    3,
    59,
    "bad ioremap_prot's 'prot': expected a cache mode (write-back, write-combining, uncached-minus, uncached, write-through, write-protected, or WB/WC/UC-/UC/WT/WP)",
  ],
  ['bad-number', 'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, size: 12Q }\n', 3, 43, "bad ioremap_wc's 'size': expected a size in bytes (number, 0x hex, or '2M')"],
  [
    'bad-gfp',
    'machine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNAL }\n',
    3,
    25,
    "bad alloc_pages's 'gfp': expected a GFP flag (GFP_KERNEL, GFP_DMA32, GFP_DMA, GFP_HIGHUSER) (did you mean 'GFP_KERNEL'?)",
  ],
  [
    'bad-bool',
    'machine: desktop-x86-64\nsteps:\n  - memtype_reserve: { start: 0xd0000000, end: 0xd0001000, type: WC, new_type: maybe }\n',
    3,
    80,
    "bad memtype_reserve's 'new_type': expected true or false",
  ],
  [
    'bad-flags',
    'machine: desktop-x86-64\nsteps:\n  - memremap: { offset: 0xd0000000, size: 0x1000, flags: MEMREMAP_WB|MEMREMAP_WCC }\n',
    3,
    58,
    "unknown flag 'MEMREMAP_WCC' in memremap's 'flags' (did you mean 'MEMREMAP_WC'?): expected flag names joined by '|' (MEMREMAP_WB, MEMREMAP_WT, MEMREMAP_WC, MEMREMAP_ENC, MEMREMAP_DEC)",
  ],
  [
    'unknown-handle',
    'machine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL }\n    as: buffer\n  - set_pages_array_wc: { pages: bufer }\n',
    5,
    34,
    "unknown handle 'bufer' in set_pages_array_wc's 'pages' (did you mean 'buffer'?): expected a name given by an earlier step's 'as'",
  ],
  [
    'wrong-handle-kind',
    'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, size: 0x1000 }\n    as: m\n  - set_pages_array_wc: { pages: m }\n',
    5,
    34,
    "'m' is a mapping: expected a pages handle",
  ],
  [
    'index-out-of-range',
    'machine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL, count: 2 }\n    as: p\n  - set_memory_wc: { addr: p.5, numpages: 1 }\n',
    5,
    28,
    "index 5 is out of range: 'p' holds 2 page(s)",
  ],
  ['as-on-void', 'machine: desktop-x86-64\nsteps:\n  - iounmap: { addr: 0x1000 }\n    as: x\n', 4, 9, "'iounmap' returns nothing to name: remove 'as'"],
  [
    'two-calls',
    'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, size: 0x1000 }\n    iounmap: { addr: 0 }\n',
    4,
    5,
    "step 1 has two calls ('ioremap_wc' and 'iounmap'): expected one call per step",
  ],
  [
    'unavailable-in-version',
    'machine: debian-6.1-amd64-qemu\nsteps:\n  - pfnmap_track: { pfn: 0xfebf0, size: 0x1000, prot: WC }\n',
    3,
    5,
    "'pfnmap_track' is not available: pfnmap_track does not exist before v6.16 (kernel 6.1 has track_pfn_*)",
  ],
  [
    'unavailable-on-arch',
    'machine: desktop-x86-64\nsteps:\n  - iomap_create_wc: { base: 0xd0000000, size: 0x1000 }\n',
    3,
    5,
    "'iomap_create_wc' is not available: iomap_create_wc exists on 32-bit x86 only (arch/x86/mm/iomap_32.c)",
  ],
  [
    'bad-ret-errno',
    'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, size: 0x1000 }\n    expect: { ret: -EBUZY }\n',
    4,
    20,
    "unknown errno '-EBUZY' (did you mean 'EBUSY'?): expected one of EPERM, ENOENT, ENOMEM, EFAULT, EBUSY, EINVAL, EAGAIN, ENOSPC",
  ],
  [
    'bad-ret',
    'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, size: 0x1000 }\n    expect: { ret: maybe }\n',
    4,
    20,
    "bad 'ret': expected ok, null, 0, a negative errno number, or a name like -EBUSY",
  ],
  ['unknown-preset', 'machine: desktop-x86_64\nsteps: []\n', 1, 10, "unknown preset 'desktop-x86_64' (did you mean 'desktop-x86-64'?)"],
  [
    'inline-machine-number',
    'machine:\n  preset: desktop-x86-64\n  cpu: { cpus: many }\nsteps: []\n',
    3,
    16,
    'cpu.cpus: bad number \'many\': expected a non-negative integer, hex like "0x100000" or a size like "4G"',
  ],
  [
    'inline-machine-boot-option',
    'machine:\n  preset: desktop-x86-64\n  boot: [nopatt]\nsteps: []\n',
    3,
    10,
    "boot[0]: expected one of nopat, debugpat, nogbpages, debug_pagealloc, mtrr=debug, got 'nopatt' (did you mean 'nopat'?)",
  ],
  [
    'alloc-pfn-not-free',
    'machine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL, pfn: 0x100400 }\n  - alloc_pages: { gfp: GFP_KERNEL, pfn: 0x100400 }\n',
    4,
    5,
    'step 2 (alloc_pages): pfn 0x100400 is not free',
  ],
  [
    'roles-request-not-reported',
    'machine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL }\n    as: pg\nreport: [pg]\nroles: { request: pgg }\n',
    6,
    19,
    "'roles: request' names 'pgg', which 'report' does not list: expected one of pg",
  ],
  [
    'roles-unknown',
    'machine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_KERNEL }\nroles: { scal: true }\n',
    4,
    10,
    "unknown key 'scal' in 'roles' (did you mean 'scale'?): expected one of request, scale",
  ],
  [
    'alloc-pfn-zone',
    'machine: desktop-x86-64\nsteps:\n  - alloc_pages: { gfp: GFP_DMA, pfn: 0x100400 }\n',
    3,
    5,
    'step 1 (alloc_pages): pfn 0x100400 is in zone Normal, which GFP_DMA does not allow (DMA)',
  ],
];

for (const [name, text, line, col, message] of CASES) {
  test(`scenario error: ${name}`, () => {
    const r = run(name, text);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `${r.file}:${line}:${col}: ${message}\n`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('an unmet expectation exits 1 and prints FILE:LINE:COL: step N what: expected X, got Y', () => {
  const r = run(
    'unmet',
    'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, size: 0x1000 }\n    expect: { ret: null, type: uncached }\nexpect:\n  counters: { split2M: 3 }\n',
  );
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stderr, '');
  const tail = r.stdout.slice(r.stdout.indexOf('expectations:'));
  assert.equal(
    tail,
    [
      'expectations: 3 FAILED',
      `  ${r.file}:4:13: step 1 ret: expected NULL, got ok`,
      `  ${r.file}:4:13: step 1 type: expected uncached, got write-combining`,
      `  ${r.file}:6:13: counter split2M: expected 3, got 0`,
      '',
    ].join('\n'),
  );
  // All expectations met: exit 0.
  const ok = run('met', 'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, size: 0x1000 }\n    expect: { ret: ok, type: write-combining }\n');
  assert.equal(ok.code, 0, ok.stdout);
});

test('--format json of several scenarios validates against schema/run.schema.json', () => {
  const ajv = new AjvModule.default({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(readFileSync(join(REPO_ROOT, 'schema', 'run.schema.json'), 'utf8')) as object);
  const files = ['ioremap-outcomes.yaml', 'highmem-set-pages-array-oops.yaml', 'ioremap-nopat.yaml', 'memremap.yaml', 'io-mapping-686-pae.yaml'].map((f) =>
    join(REPO_ROOT, 'scenarios', 'spec03', f),
  );
  const unmet = run('unmet-json', 'machine: desktop-x86-64\nsteps:\n  - ioremap_wc: { phys: 0xd0000000, size: 0x1000 }\n    expect: { ret: null }\n').file;
  for (const f of [...files, unmet]) {
    const r = spawnSync(process.execPath, [CLI, 'run', f, '--format', 'json'], { encoding: 'utf8' });
    assert.equal(r.status, f === unmet ? 1 : 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { fatal: unknown; final: { pat_memtype_list: unknown }; failures: unknown[] };
    assert.ok(validate(doc), `${f}: ${JSON.stringify(validate.errors)}`);
    if (f.endsWith('oops.yaml')) assert.notEqual(doc.fatal, null);
    if (f.endsWith('nopat.yaml')) assert.equal(doc.final.pat_memtype_list, null);
    assert.equal(doc.failures.length, f === unmet ? 1 : 0);
  }
});
