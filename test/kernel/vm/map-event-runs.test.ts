/**
 * Consecutive inserts of one step log one `pte`/`map` event pair per run
 * (kernel/vm/pte-write.ts `emitRun`, the map event's `each`): read as the
 * calls it stands for, the log says what one event per call said — the same
 * calls, pages and modes in the same order among the other events, and the
 * same mode changes (check/changes.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { CM, type CacheMode } from '../../../src/hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../../src/hw/pte.js';
import { modeChanges } from '../../../src/check/changes.js';
import type { KernelEvent } from '../../../src/kernel/events.js';
import type { Kernel } from '../../../src/kernel/kernel.js';
import { VM_IO, VM_MIXEDMAP, VM_PFNMAP } from '../../../src/kernel/vm/flags.js';
import { vmInsertPage } from '../../../src/kernel/vm/insert-page.js';
import { vmfInsertPfnProt } from '../../../src/kernel/vm/insert-pfn.js';
import { protMode } from '../../../src/kernel/vm/pte-write.js';
import type { Vma } from '../../../src/kernel/vm/vma.js';
import { boot, proc, protWith, vmaOf } from './helpers.js';

const MODES: CacheMode[] = [CM.WB, CM.WC, CM.UC_MINUS];
const N = 24;

type MapEvent = Extract<KernelEvent, { kind: 'map' }>;
/** One call's map event, or another event, as the log would hold it with one event per call. */
type Item = { t: 'map'; step: number; call: string; pfn: number; npages: number; requested: number; installed: number } | { t: 'printk'; step: number; text: string };
/** One page a `pte` event says was written. */
type PtePage = { step: number; vaddr: number; pfn: number; bits: number; level: string };

const opArb = fc.oneof(
  // The next page of the last insert (a fault's next page): the case that merges; sometimes asking for another mode.
  { weight: 4, arbitrary: fc.record({ op: fc.constant('next' as const), mode: fc.option(fc.nat(2), { freq: 4 }) }) },
  fc.record({ op: fc.constant('pfn' as const), slot: fc.nat(N - 1), pfn: fc.nat(N - 1), mode: fc.nat(2) }),
  fc.record({ op: fc.constant('page' as const), slot: fc.nat(N - 1), page: fc.nat(N - 1) }),
  fc.record({ op: fc.constant('printk' as const) }),
  fc.record({ op: fc.constant('step' as const) }),
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

/** The calls a map event stands for. */
function calls(e: MapEvent): Item[] {
  const each = e.each ?? e.npages;
  const out: Item[] = [];
  for (let p = e.pfn; p < e.pfn + e.npages; p += each) out.push({ t: 'map', step: e.step, call: e.call, pfn: p, npages: each, requested: e.requested, installed: e.installed });
  return out;
}

function run(ops: readonly Op[]): { k: Kernel; expected: Item[]; pages: PtePage[] } {
  const k = boot();
  const mm = proc(k, 1);
  const pfnmap = vmaOf(k, mm, N, VM_PFNMAP | VM_IO, CM.WB);
  const mixed = vmaOf(k, mm, N, VM_MIXEDMAP, CM.WB);
  const ram: number[] = [];
  for (let i = 0; i < N; i++) ram.push(k.allocator.allocPages('GFP_KERNEL', 0));
  const expected: Item[] = [];
  const pages: PtePage[] = [];
  /** The last insert tried (what `next` continues). */
  const at: { last: { vma: Vma; slot: number; pfn: number; mode: number; page: boolean } | null } = { last: null };
  k.log.step = 1;
  const insert = (vma: Vma, slot: number, pfn: number, mode: number, page: boolean): void => {
    at.last = { vma, slot, pfn, mode, page };
    if (slot >= N) return;
    const wasNone = vma.ptes.isNone(slot);
    const addr = vma.start + slot * 4096;
    const prot = protWith(k, vma, MODES[mode]!);
    if (page) vmInsertPage(k, vma, addr, pfn);
    else vmfInsertPfnProt(k, vma, addr, pfn, prot);
    if (!wasNone || vma.ptes.isNone(slot)) return;
    const bits = vma.ptes.bitsAt(slot) & PAGE_CACHE_MASK;
    pages.push({ step: k.log.step, vaddr: addr, pfn: vma.ptes.pfnAt(slot), bits, level: '4k' });
    const requested = page ? protMode(k, vma.pageProt) : protMode(k, prot);
    expected.push({ t: 'map', step: k.log.step, call: page ? 'vm_insert_page' : 'vmf_insert_pfn_prot', pfn: vma.ptes.pfnAt(slot), npages: 1, requested, installed: k.tables.pgprot2cachemode(bits) });
  };
  for (const o of ops) {
    if (o.op === 'next') {
      const l = at.last;
      if (l) insert(l.vma, l.slot + 1, l.page ? ram[(ram.indexOf(l.pfn) + 1) % N]! : l.pfn + 1, o.mode ?? l.mode, l.page);
    } else if (o.op === 'pfn') insert(pfnmap, o.slot, 0xc0100 + o.pfn, o.mode, false);
    else if (o.op === 'page') insert(mixed, o.slot, ram[o.page]!, 0, true);
    else if (o.op === 'printk') {
      k.log.emit('info', 'between');
      expected.push({ t: 'printk', step: k.log.step, text: 'between' });
    } else k.log.step++;
  }
  return { k, expected, pages };
}

/** The log read as one event per call (map events and printks, in order) and as the pages its user pte events wrote. */
function readLog(k: Kernel): { items: Item[]; pages: PtePage[] } {
  const items: Item[] = [];
  const pages: PtePage[] = [];
  for (const e of k.log.events) {
    if (e.step === 0) continue;
    if (e.kind === 'map') items.push(...calls(e));
    else if (e.kind === 'printk') items.push({ t: 'printk', step: e.step, text: e.text });
    else if (e.kind === 'pte' && e.space === 'user') for (let i = 0; i < e.npages; i++) pages.push({ step: e.step, vaddr: e.vaddr + i * 4096, pfn: e.pfn + i, bits: e.bits, level: e.level });
  }
  return { items, pages };
}

test('property: merged pte/map event runs say what one event per call says, in the same order', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
      const { k, expected, pages } = run(ops);
      const got = readLog(k);
      assert.deepEqual(got.items, expected);
      assert.deepEqual(got.pages, pages);
      // The mode changes the check reports are those of the per-call log.
      const perCall: KernelEvent[] = expected.map((x) => (x.t === 'map' ? { kind: 'map', space: 'user', step: x.step, call: x.call, pfn: x.pfn, npages: x.npages, requested: x.requested, installed: x.installed } : { kind: 'printk', step: x.step, level: 'info', text: x.text }));
      assert.deepEqual(modeChanges(k.log.events, new Set(), true), modeChanges(perCall, new Set(), true));
    }),
    { numRuns: 200 },
  );
});

test('a fault-like run of consecutive one-page inserts is one pte and one map event', () => {
  const { k } = run([{ op: 'pfn', slot: 0, pfn: 0, mode: 1 }, ...Array.from({ length: 15 }, () => ({ op: 'next' as const, mode: null }))]);
  const ev = k.log.events.filter((e) => e.step > 0 && (e.kind === 'map' || e.kind === 'pte'));
  assert.equal(ev.length, 2);
  const m = ev[1] as MapEvent;
  assert.equal(m.npages, 16);
  assert.equal(m.each, 1);
  assert.equal(calls(m).length, 16);
});
