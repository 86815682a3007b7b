/**
 * memtype_reserve / memtype_free / lookup_memtype properties (spec 02 §8-§12).
 */
import { PAGE_SIZE } from '../../src/hw/page.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { CM, MT, type CacheMode } from '../../src/hw/cache-mode.js';
import { bootMemtype } from '../../src/kernel/pat/boot.js';
import { patMemtypeList } from '../../src/kernel/pat/memtype-list.js';
import { MessageLog } from '../../src/kernel/printk.js';
import { kernelFlags } from '../../src/kernel/version.js';

const PAGE = PAGE_SIZE;

function boot(version: 'mainline' | '6.1' = 'mainline') {
  const log = new MessageLog();
  const b = bootMemtype(
    {
      patEnabled: true,
      debugpat: false,
      ram: [
        { start: 0x100000, endIncl: 0x3fffffff },
        { start: 0x100000000, endIncl: 0x13fffffff },
      ],
      mtrr: {
        defType: MT.UC,
        enabled: true,
        fixedEnabled: true,
        fixed: new Array(88).fill(MT.WB),
        variable: [{ base: 0, size: 0x40000000, type: MT.WB }],
        vcnt: 8,
        tom2: 0,
      },
      flags: kernelFlags(version),
    },
    log,
  );
  return { ...b, log };
}

const mode = fc.constantFrom<CacheMode>(CM.WB, CM.WC, CM.UC_MINUS, CM.UC, CM.WT, CM.WP);
/** Page-granular ranges around RAM, MMIO below 4 GiB, and the RAM edge. */
const range = fc
  .record({
    base: fc.constantFrom(0x3ff00000, 0xd0000000, 0x1000000, 0xfec00000, 0x13ff00000),
    off: fc.integer({ min: 0, max: 64 }),
    pages: fc.integer({ min: 1, max: 16 }),
  })
  .map((r) => ({ start: r.base + r.off * PAGE, end: r.base + (r.off + r.pages) * PAGE }));

test('a successful reserve followed by a free of the same range restores the dump and page flags', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(range, mode, fc.boolean()), { maxLength: 40 }), range, mode, (pre, r, m) => {
      const k = boot();
      for (const [rr, mm, wantNew] of pre) k.memtype.memtypeReserve(rr.start, rr.end, mm, wantNew);
      const dump = patMemtypeList(k.memtype)!.join('\n');
      const flags = JSON.stringify(k.memtype.pages.nonWbRuns());
      const res = k.memtype.memtypeReserve(r.start, r.end, m, true);
      if (res.ret !== 0) return;
      assert.equal(k.memtype.memtypeFree(r.start, r.end), 0);
      assert.equal(patMemtypeList(k.memtype)!.join('\n'), dump);
      assert.equal(JSON.stringify(k.memtype.pages.nonWbRuns()), flags);
      assert.equal(k.memtype.tree.checkInvariants(), null);
    }),
    { numRuns: 300 },
  );
});

test('overlapping tree entries always share one type (the conflict check keeps the tree consistent)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(range, mode, fc.boolean(), fc.boolean()), { maxLength: 60 }), (ops) => {
      const k = boot();
      for (const [r, m, wantNew, free] of ops) {
        if (free) k.memtype.memtypeFree(r.start, r.end);
        else k.memtype.memtypeReserve(r.start, r.end, m, wantNew);
      }
      const es = k.memtype.tree.toArray();
      for (let i = 0; i < es.length; i++)
        for (let j = i + 1; j < es.length; j++) {
          const a = es[i]!;
          const b = es[j]!;
          if (a.start < b.end && b.start < a.end) assert.equal(a.type, b.type);
        }
    }),
    { numRuns: 200 },
  );
});

test('RAM types live in page flags: only WB pages take a new type, WP is refused, UC becomes UC- once-warned', () => {
  const k = boot();
  const a = 0x1000000;
  assert.deepEqual(k.memtype.memtypeReserve(a, a + PAGE, CM.WP, true), { ret: -22, newType: CM.UC_MINUS });
  assert.deepEqual(k.memtype.memtypeReserve(a, a + PAGE, CM.UC, true), { ret: 0, newType: CM.UC_MINUS });
  assert.deepEqual(k.memtype.memtypeReserve(a, a + PAGE, CM.UC_MINUS, true), { ret: -16, newType: CM.UC_MINUS });
  k.memtype.memtypeReserve(a + PAGE, a + 2 * PAGE, CM.UC, false);
  assert.deepEqual(
    k.log.messages.map((m) => m.text),
    [
      'WARNING: WARN_ON_ONCE in reserve_ram_pages_type',
      'x86/PAT: reserve_ram_pages_type failed [mem 0x01000000-0x01000fff], track 0x2, req 0x2',
    ],
  );
  assert.equal(k.memtype.lookupMemtype(a), CM.UC_MINUS);
  assert.equal(patMemtypeList(k.memtype)!.length, 1);
  assert.equal(k.memtype.memtypeFree(a, a + PAGE), 0);
  assert.equal(k.memtype.lookupMemtype(a), CM.WB);
});

test('6.1 frees an end match by shrinking the entry; mainline refuses', () => {
  for (const v of ['mainline', '6.1'] as const) {
    const k = boot(v);
    k.memtype.ctx.current = { comm: 'test', pid: 7 };
    k.memtype.memtypeReserve(0xd0000000, 0xd0010000, CM.WC, true);
    k.memtype.memtypeReserve(0xd0000000, 0xd0004000, CM.WC, true);
    const ret = k.memtype.memtypeFree(0xd0008000, 0xd0010000);
    if (v === 'mainline') {
      assert.equal(ret, -22);
      assert.deepEqual(k.log.messages.map((m) => m.text), ['x86/PAT: test:7 freeing invalid memtype [mem 0xd0008000-0xd000ffff]']);
    } else {
      assert.equal(ret, 0);
      // The shrunk entry is re-inserted, so it now follows the other entry of the same start.
      assert.deepEqual(patMemtypeList(k.memtype), [
        'PAT memtype list:',
        'PAT: [mem 0x00000000d0000000-0x00000000d0004000] write-combining',
        'PAT: [mem 0x00000000d0000000-0x00000000d0008000] write-combining',
      ]);
    }
  }
});
