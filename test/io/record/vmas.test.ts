/**
 * The importer's VMA handles (src/io/record/vmas.ts): a VMA is found by its pointer, or, for a
 * piece a split made, by the owner's pid and a range inside what is still mapped; a handle goes
 * when the last of it is unmapped, so what is kept is the live mappings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { RecordedVmas } from '../../../src/io/record/vmas.js';

const PAGE = 0x1000n;
const BASE = 0x7f0000000000n;

test('pages of a VMA unmapped one by one, in any order, through pieces a split gave new pointers: each is found until unmapped, and the handle goes with the last', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.constant(n), fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }))), ([n, order]) => {
      const vmas = new RecordedVmas();
      const v = vmas.add(0x100n, 'vm0', BASE, BASE + BigInt(n) * PAGE, 7, 'app');
      const gone = new Set<number>();
      order.forEach((p, i) => {
        // Each munmap's piece is a vm_area_struct of its own (a new pointer), as a split makes it.
        const from = BASE + BigInt(p) * PAGE;
        const piece = vmas.find(0x200n + BigInt(i), from, from + PAGE, 7);
        assert.equal(piece, v, `page ${p} is still mapped`);
        vmas.unmapped(v, 0x200n + BigInt(i), from, from + PAGE);
        gone.add(p);
        for (let q = 0; q < n; q++) {
          const at = BASE + BigInt(q) * PAGE;
          assert.equal(vmas.find(undefined, at, at + PAGE, 7), gone.has(q) ? null : v, `page ${q} after ${[...gone]}`);
        }
        // Another task finds it by its own pointer only while any of it is mapped.
        assert.equal(vmas.find(0x100n, BASE, BASE + PAGE, 99), gone.size < n && !gone.has(0) ? v : null);
        assert.equal(vmas.kept, gone.size < n ? 1 : 0);
      });
    }),
  );
});

test('a range spanning an unmapped hole is not inside the VMA; a new VMA at the same place after the last unmap is a new handle', () => {
  const vmas = new RecordedVmas();
  const v = vmas.add(0x100n, 'vm0', BASE, BASE + 3n * PAGE, 7, 'app');
  vmas.unmapped(v, 0x300n, BASE + PAGE, BASE + 2n * PAGE);
  assert.equal(vmas.find(0x100n, BASE, BASE + 3n * PAGE, 7), null);
  assert.equal(vmas.find(0x100n, BASE + 2n * PAGE, BASE + 3n * PAGE, 7), v);
  vmas.unmapped(v, 0x100n, BASE, BASE + PAGE);
  vmas.unmapped(v, 0x400n, BASE + 2n * PAGE, BASE + 3n * PAGE);
  assert.equal(vmas.kept, 0);
  assert.equal(vmas.find(0x100n, BASE, BASE + PAGE, 7), null);
  const w = vmas.add(0x100n, 'vm1', BASE, BASE + PAGE, 7, 'app');
  assert.equal(vmas.find(0x100n, BASE, BASE + PAGE, 7), w);
});
