/**
 * Property tests of user-mapping lifetimes (spec 04 §8, v6.16+): after every
 * process exits, struct page state, RAM page memtypes and memtype-tree
 * entries are back to their values before the first mapping; fork followed
 * by both exits conserves the same; a VMA split never changes a reservation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { CM, type CacheMode } from '../../../src/hw/cache-mode.js';
import type { Kernel } from '../../../src/kernel/kernel.js';
import { patMemtypeList } from '../../../src/kernel/pat/memtype-list.js';
import { VM_IO, VM_MIXEDMAP, VM_PFNMAP } from '../../../src/kernel/vm/flags.js';
import { doFork } from '../../../src/kernel/vm/fork.js';
import { vmInsertPage } from '../../../src/kernel/vm/insert-page.js';
import { vmfInsertPfnProt } from '../../../src/kernel/vm/insert-pfn.js';
import { doMunmap, exitMmap, splitVma } from '../../../src/kernel/vm/lifecycle.js';
import { vmState, type MmStruct } from '../../../src/kernel/vm/mm.js';
import { doMprotect, doMremap } from '../../../src/kernel/vm/mremap.js';
import { remapPfnRange } from '../../../src/kernel/vm/remap.js';
import { boot, proc, protWith, vmaOf } from './helpers.js';

const MODES: CacheMode[] = [CM.WB, CM.WC, CM.UC_MINUS];

const opArb = fc.oneof(
  fc.record({ op: fc.constant('mmap' as const), kind: fc.nat(2), pages: fc.integer({ min: 1, max: 6 }), mode: fc.nat(2) }),
  fc.record({ op: fc.constant('remap' as const), v: fc.nat(), full: fc.boolean(), ram: fc.boolean(), base: fc.nat(3), mode: fc.nat(2) }),
  fc.record({ op: fc.constant('insertPfn' as const), v: fc.nat(), slot: fc.nat(), pfn: fc.nat(15), mode: fc.nat(2) }),
  fc.record({ op: fc.constant('insertPage' as const), v: fc.nat(), slot: fc.nat(), page: fc.nat(15) }),
  fc.record({ op: fc.constant('munmap' as const), v: fc.nat(), off: fc.nat(), len: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('mremap' as const), v: fc.nat(), shrink: fc.boolean() }),
  fc.record({ op: fc.constant('mprotect' as const), v: fc.nat(), off: fc.nat(), write: fc.boolean() }),
  fc.record({ op: fc.constant('fork' as const), p: fc.nat() }),
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

interface Snap {
  refcount: number[];
  mapcount: number[];
  flags: number[];
  tree: string[];
  pageTypes: string;
}

function snap(k: Kernel, pfns: number[]): Snap {
  return {
    refcount: pfns.map((p) => k.pages.refcount.get(p)),
    mapcount: pfns.map((p) => k.pages.mapcount.get(p)),
    flags: pfns.map((p) => k.pages.flags.get(p)),
    tree: patMemtypeList(k.memtype) ?? [],
    pageTypes: JSON.stringify(k.memtype.pages.nonWbRuns()),
  };
}

function setup(): { k: Kernel; pages: number[]; mms: MmStruct[] } {
  const k = boot();
  const pages: number[] = [];
  for (let i = 0; i < 16; i++) pages.push(k.allocator.allocPages('GFP_KERNEL', 0));
  return { k, pages, mms: [proc(k, 1)] };
}

/** Apply one op, avoiding the kernel's BUG conditions (the callers' duty). */
function apply(k: Kernel, pages: number[], mms: MmStruct[], o: Op): void {
  const mm = mms[0]!;
  k.current = { comm: mm.comm, pid: mm.pid };
  const all = mms.flatMap((m) => m.vmas);
  const pick = (i: number) => (all.length ? all[i % all.length]! : null);
  switch (o.op) {
    case 'mmap':
      vmaOf(k, mm, o.pages, [0, VM_PFNMAP | VM_IO, VM_MIXEDMAP][o.kind]!, MODES[o.mode]!);
      return;
    case 'remap': {
      const v = pick(o.v);
      if (!v || v.flags & VM_MIXEDMAP || v.ptes.count() > 0) return;
      const n = o.full ? v.pages : Math.max(1, v.pages - 1);
      const pfn = o.ram ? pages[o.base]! : 0xc0000 + o.base * 8;
      if (o.ram && n > 1) return; // RAM pages are scattered
      k.current = { comm: v.mm.comm, pid: v.mm.pid };
      remapPfnRange(k, v, v.start, pfn, n * 4096, protWith(k, v, MODES[o.mode]!));
      return;
    }
    case 'insertPfn': {
      const v = pick(o.v);
      if (!v || !(v.flags & VM_PFNMAP) || v.flags & VM_MIXEDMAP) return;
      vmfInsertPfnProt(k, v, v.start + (o.slot % v.pages) * 4096, o.pfn < 8 ? pages[o.pfn]! : 0xc0100 + o.pfn, protWith(k, v, MODES[o.mode]!));
      return;
    }
    case 'insertPage': {
      const v = pick(o.v);
      if (!v || v.flags & VM_PFNMAP) return;
      vmInsertPage(k, v, v.start + (o.slot % v.pages) * 4096, pages[o.page]!);
      return;
    }
    case 'munmap': {
      const v = pick(o.v);
      if (!v) return;
      doMunmap(k, v.mm, v.start + (o.off % v.pages) * 4096, o.len * 4096);
      return;
    }
    case 'mremap': {
      const v = pick(o.v);
      if (!v) return;
      if (o.shrink) {
        if (v.pages > 1) doMremap(k, v.mm, v.start, v.end - v.start, v.end - v.start - 4096);
      } else doMremap(k, v.mm, v.start, v.end - v.start, v.end - v.start, v.start - 0x100000);
      return;
    }
    case 'mprotect': {
      const v = pick(o.v);
      if (!v) return;
      doMprotect(k, v.mm, v.start + (o.off % v.pages) * 4096, 4096, true, o.write);
      return;
    }
    case 'fork': {
      if (mms.length >= 3) return;
      const r = doFork(k, mms[o.p % mms.length]!);
      if (r.child) mms.push(r.child);
      return;
    }
  }
}

const touched = (k: Kernel, pages: number[]): number[] => [...pages, ...Array.from({ length: 64 }, (_, i) => 0x100 + i)].filter((p) => p < k.pages.nPfns);

test('property: after every process exits, pages, page memtypes and tree entries are back to their values', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 25 }), (ops) => {
      const { k, pages, mms } = setup();
      const before = snap(k, touched(k, pages));
      for (const o of ops) apply(k, pages, mms, o);
      for (const m of [...mms].reverse()) exitMmap(k, m);
      assert.deepEqual(snap(k, touched(k, pages)), before);
      assert.equal(vmState(k).liveCtx.size, 0);
    }),
    { numRuns: 150 },
  );
});

test('property: fork then exit of the child restores the pre-fork state; exit of both restores boot values', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 15 }), (ops) => {
      const { k, pages, mms } = setup();
      const boot0 = snap(k, touched(k, pages));
      for (const o of ops) if (o.op !== 'fork') apply(k, pages, mms, o);
      const preFork = snap(k, touched(k, pages));
      const { child } = doFork(k, mms[0]!);
      assert.ok(child);
      exitMmap(k, child);
      assert.deepEqual(snap(k, touched(k, pages)), preFork);
      const again = doFork(k, mms[0]!).child!;
      exitMmap(k, mms[0]!);
      exitMmap(k, again);
      assert.deepEqual(snap(k, touched(k, pages)), boot0);
    }),
    { numRuns: 100 },
  );
});

test('property: a VMA split never changes a reservation', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 15 }), fc.nat(), (ops, at) => {
      const { k, pages, mms } = setup();
      for (const o of ops) apply(k, pages, mms, o);
      const v = mms.flatMap((m) => m.vmas).find((x) => x.trackCtx && x.pages > 1);
      if (!v) return;
      const tree = patMemtypeList(k.memtype);
      const ctx = v.trackCtx!;
      const kref = ctx.kref;
      const upper = splitVma(k, v, v.start + (1 + (at % (v.pages - 1))) * 4096);
      assert.deepEqual(patMemtypeList(k.memtype), tree);
      assert.equal(upper.trackCtx, ctx);
      assert.equal(v.trackCtx, ctx);
      assert.equal(ctx.kref, kref + 1);
    }),
    { numRuns: 150 },
  );
});
