import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { loadPreset } from '../../../src/io/machine/load-machine.js';
import { ttmBoCreate, ttmTtPopulate, ttmTtUnpopulate, type TtmBo } from '../../../src/kernel/drivers/ttm/bo.js';
import type { TtmCaching } from '../../../src/kernel/drivers/ttm/caching.js';
import { ttmDeviceInit } from '../../../src/kernel/drivers/ttm/device.js';
import { ttmBoVmFault } from '../../../src/kernel/drivers/ttm/fault.js';
import { ttmBoKmap, ttmBoKunmap } from '../../../src/kernel/drivers/ttm/kmap.js';
import { ttmBoMmap, ttmBoPut, ttmBoUnmapVirtual, ttmReap } from '../../../src/kernel/drivers/ttm/mmap.js';
import { ttmPoolShrinkerScan } from '../../../src/kernel/drivers/ttm/pool.js';
import { ttmGlobalOf } from '../../../src/kernel/drivers/ttm/ttm-global.js';
import { refHazards } from '../../../src/kernel/drivers/page-refs.js';
import { bootKernel, type Kernel } from '../../../src/kernel/kernel.js';
import type { MachineSpec } from '../../../src/kernel/machine.js';
import { exitMmap } from '../../../src/kernel/vm/lifecycle.js';
import { processMm, vmState } from '../../../src/kernel/vm/mm.js';

const op = fc.oneof(
  fc.record({ op: fc.constant('create' as const), pages: fc.integer({ min: 1, max: 40 }), caching: fc.constantFrom<TtmCaching>(0, 1, 2), dev: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ op: fc.constantFrom('populate' as const, 'unpopulate' as const, 'put' as const, 'zap' as const, 'kmap' as const), bo: fc.nat() }),
  fc.record({ op: fc.constant('mmap' as const), bo: fc.nat(), pid: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('fault' as const), bo: fc.nat(), page: fc.nat() }),
  fc.record({ op: fc.constant('exit' as const), pid: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('shrink' as const), n: fc.integer({ min: 1, max: 64 }) }),
);

function snapshot(k: Kernel) {
  return {
    flags: k.pages.flags.slice(),
    refcount: k.pages.refcount.slice(),
    mapcount: k.pages.mapcount.slice(),
    memtype: JSON.stringify(k.memtype.pages.nonWbRuns()),
    tree: k.memtype.tree.size,
    free: k.allocator.nrFree(),
  };
}

function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function run(machine: MachineSpec, ops: { op: string; [k: string]: number | string }[]): void {
  const k = bootKernel(machine);
  const boot = snapshot(k);
  const devs = [ttmDeviceInit(k, { pagePoolSize: 48 }), ttmDeviceInit(k, { useDma32: true, pagePoolSize: 48 })];
  const bos: TtmBo[] = [];
  const live = () => bos.filter((b) => !b.dead);
  const pick = (i: number) => {
    const l = live();
    return l.length ? l[i % l.length]! : null;
  };
  for (const o of ops) {
    k.current = { comm: 'p', pid: (o['pid'] as number | undefined) ?? 1 };
    ttmReap(k);
    switch (o.op) {
      case 'create':
        bos.push(ttmBoCreate(k, devs[o['dev'] as number]!, o['pages'] as number, { caching: o['caching'] as TtmCaching }));
        break;
      case 'populate': {
        const b = pick(o['bo'] as number);
        if (b) assert.equal(ttmTtPopulate(k, b).ret, 0);
        break;
      }
      case 'unpopulate': {
        const b = pick(o['bo'] as number);
        if (b) {
          ttmBoUnmapVirtual(k, b);
          ttmTtUnpopulate(k, b);
        }
        break;
      }
      case 'zap': {
        const b = pick(o['bo'] as number);
        if (b) ttmBoUnmapVirtual(k, b);
        break;
      }
      case 'kmap': {
        const b = pick(o['bo'] as number);
        if (b) {
          const r = ttmBoKmap(k, b, 0, b.numPages);
          assert.equal(r.ret, 0);
          ttmBoKunmap(k, r.map!);
        }
        break;
      }
      case 'put': {
        const b = pick(o['bo'] as number);
        if (b && b.refs > 0) ttmBoPut(k, b);
        break;
      }
      case 'mmap': {
        const b = pick(o['bo'] as number);
        if (b) processMm(k, o['pid'] as number, 'p') && assert.equal(ttmBoMmap(k, b).ret, 0);
        break;
      }
      case 'fault': {
        const mms = vmState(k).sorted();
        const vmas = mms.flatMap((m) => m.vmas);
        if (vmas.length) {
          const v = vmas[(o['bo'] as number) % vmas.length]!;
          k.current = { comm: 'p', pid: v.mm.pid };
          ttmBoVmFault(k, v.start + ((o['page'] as number) % v.pages) * 4096);
        }
        break;
      }
      case 'exit': {
        const mm = vmState(k).procs.get(o['pid'] as number);
        if (mm) exitMmap(k, mm);
        break;
      }
      case 'shrink':
        if (ttmGlobalOf(k)!.allocatedPages) ttmPoolShrinkerScan(k, o['n'] as number);
        break;
    }
  }
  // Teardown: every creator reference dropped, every process exits, pools drained.
  for (const b of live()) if (b.refs > 0) ttmBoPut(k, b);
  for (const mm of vmState(k).sorted()) exitMmap(k, mm);
  ttmReap(k);
  const g = ttmGlobalOf(k)!;
  assert.equal(g.bos.size, 0, 'every BO released');
  assert.equal(g.ttPagesAllocated, 0);
  if (g.allocatedPages) ttmPoolShrinkerScan(k);
  assert.equal(g.allocatedPages, 0);
  assert.deepEqual(g.poolContents(), {});
  const end = snapshot(k);
  // CPA splits of the direct map allocate page-table pages that stay (no re-merge): the only allowed difference.
  const ptPages = k.counters.ptPagesAllocated;
  let changed = 0;
  for (let i = 0; i < end.flags.length; i++) {
    if (end.flags[i] === boot.flags[i] && end.refcount[i] === boot.refcount[i]) continue;
    changed++;
    assert.ok(end.flags[i] === 0 && end.refcount[i] === 1, `pfn 0x${i.toString(16)}: flags ${boot.flags[i]} -> ${end.flags[i]}, refcount ${boot.refcount[i]} -> ${end.refcount[i]}`);
  }
  assert.equal(changed, ptPages, 'pages changed = page-table pages from CPA splits');
  assert.equal(firstDiff(end.mapcount, boot.mapcount), -1, 'mapcounts');
  assert.equal(end.memtype, boot.memtype, 'PAT page-flag memtypes');
  assert.equal(end.tree, boot.tree, 'memtype tree entries');
  assert.equal(end.free, boot.free - ptPages, 'free pages');
  assert.deepEqual(refHazards(k), []);
}

for (const preset of ['x86-32-pae-4g', 'debian-6.1-amd64-qemu']) {
  const machine = loadPreset(preset);
  test(`property (${preset}): after every BO is freed and every process exits, page state, pools and PAT are back to boot`, () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => run(machine, ops as { op: string; [k: string]: number | string }[])),
      { numRuns: 25, seed: 20250820 },
    );
  });
}
