/**
 * defineCall (src/calls/define.ts): the argument object a call's body gets is
 * typed by its declaration (checked by the compiler: the `@ts-expect-error`
 * lines fail the build if the typing loosens), and the runtime ArgSpecs keep
 * the declaration's order and options.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CacheMode } from '../../src/hw/cache-mode.js';
import { argSpecs, defineCall, opt, type ArgsOf } from '../../src/calls/define.js';

const DECL = { addr: 'vaddr', prot: opt('mode', 'the cache mode'), pages: 'pages', mapping: 'iomap', write: { kind: 'bool', optional: true } } as const;

test('the body gets required arguments typed and optional ones possibly absent', () => {
  const a: ArgsOf<typeof DECL> = { addr: 0x1000, pages: [1, 2], mapping: [0, 4096, 0] };
  const addr: number = a.addr;
  const prot: CacheMode | undefined = a.prot;
  const write: boolean | undefined = a.write;
  // @ts-expect-error an optional argument may be absent
  const p: CacheMode = a.prot;
  // @ts-expect-error a vaddr is a number
  const s: string = a.addr;
  // @ts-expect-error a required argument cannot be left out
  const missing: ArgsOf<typeof DECL> = { addr: 0 };
  assert.deepEqual([addr, prot, write, p, s, missing.addr], [0x1000, undefined, undefined, undefined, 0x1000, 0]);
});

test('the ArgSpecs follow the declaration: order, optional, doc', () => {
  assert.deepEqual(argSpecs(DECL), [
    { name: 'addr', kind: 'vaddr' },
    { name: 'prot', kind: 'mode', optional: true, doc: 'the cache mode' },
    { name: 'pages', kind: 'pages' },
    { name: 'mapping', kind: 'iomap' },
    { name: 'write', kind: 'bool', optional: true },
  ]);
});

test('defineCall passes the resolved arguments to the body and keeps the metadata', () => {
  const c = defineCall({ name: 'x', doc: 'd', args: { n: 'count' }, pure: true, produces: 'pages' }, (_k, a) => ({ ret: a.n }));
  assert.equal(c.pure, true);
  assert.equal(c.produces, 'pages');
  assert.equal(c.available, undefined);
  assert.deepEqual(c.run(null as never, { n: 3 }), { ret: 3 });
});
