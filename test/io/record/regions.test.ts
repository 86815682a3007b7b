/**
 * The importer's ioremap handles by address (src/io/record/regions.ts): an address is in the
 * latest region returned that holds it, even after its unmap; a region a later one wholly
 * covers is dropped, so reused addresses keep the bookkeeping bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressRegions } from '../../../src/io/record/regions.js';

/** Regions added in this order, each [start, end) under the next handle io0, io1, ... */
function regions(...rs: [bigint, bigint][]): AddressRegions {
  const r = new AddressRegions();
  rs.forEach(([start, end], i) => r.add(start, end, `io${i}`));
  return r;
}

test('an address is in the latest region that holds it, at its offset', () => {
  const r = regions([0x1000n, 0x3000n], [0x2000n, 0x4000n]);
  assert.deepEqual(r.find(0x1800n), { name: 'io0', off: 0x800n });
  assert.deepEqual(r.find(0x2000n), { name: 'io1', off: 0n });
  assert.equal(r.find(0x4000n), null);
});

test('a region partly covered by a later one at the same address still holds the rest', () => {
  const r = regions([0x1000n, 0x3000n], [0x1000n, 0x2000n]);
  assert.deepEqual(r.find(0x1800n), { name: 'io1', off: 0x800n });
  assert.deepEqual(r.find(0x2800n), { name: 'io0', off: 0x1800n });
});

test('addresses handed out again keep what is held bounded by the distinct ones', () => {
  const r = new AddressRegions();
  for (let i = 0; i < 100_000; i++) r.add(0xffffc90000400000n + BigInt((i % 8) * 0x2000), 0xffffc90000401000n + BigInt((i % 8) * 0x2000), `io${i}`);
  assert.ok(r.kept <= 200, `${r.kept} kept`);
  assert.deepEqual(r.find(0xffffc90000400000n), { name: 'io99992', off: 0n });
  assert.deepEqual(r.find(0xffffc9000040e010n), { name: 'io99999', off: 0x10n });
});
