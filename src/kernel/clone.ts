/**
 * A copy of a kernel's whole state (issue: a booted kernel is built once
 * and cloned): every object of the kernel's state copied with its class,
 * typed arrays copied byte for byte (views of one buffer stay views of one
 * buffer), Maps and Sets in their order. What the kernel only reads — the
 * machine description, the design's hooks, the version flags, frozen
 * objects such as subsystem keys — is shared; an object that copies itself
 * (clones-itself.ts: per-page state chunk by chunk, the memtype tree, the
 * kmap slots, TTM's pool rings) shares its arrays until written. Functions are shared too: the
 * only closures in a kernel's state are the callbacks `Kernel.rewire()`
 * installs, and the clone installs its own (test/kernel/clone.test.ts checks
 * that no other function is reachable).
 */

import type { Kernel } from './kernel.js';
import { CLONE, clonesItself } from './clones-itself.js';

type Memo = Map<object, unknown>;

const ARRAY = Array.prototype;
const MAP = Map.prototype;
const SET = Set.prototype;

/** A field's value cloned: a primitive as it is, an object through the memo (inlined because most fields are primitives). */
function cloneField(x: unknown, memo: Memo): unknown {
  return x === null || typeof x !== 'object' ? x : cloneValue(x, memo);
}

function cloneValue(v: object, memo: Memo): unknown {
  const hit = memo.get(v);
  if (hit !== undefined) return hit;
  if (Object.isFrozen(v)) return v;
  // The commonest kinds first, by prototype (an exact test: a kernel state holds no subclassed Array, Map or Set).
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === ARRAY) {
    const src = v as unknown[];
    const out: unknown[] = new Array(src.length);
    memo.set(v, out);
    for (let i = 0; i < src.length; i++) out[i] = cloneField(src[i], memo);
    return out;
  }
  if (proto === MAP) {
    const out = new Map();
    memo.set(v, out);
    for (const [a, b] of v as Map<unknown, unknown>) out.set(cloneField(a, memo), cloneField(b, memo));
    return out;
  }
  if (proto === SET) {
    const out = new Set();
    memo.set(v, out);
    for (const a of v as Set<unknown>) out.add(cloneField(a, memo));
    return out;
  }
  if (clonesItself(v)) {
    // Its large arrays are shared with the copy until either side writes (clones-itself.ts).
    const out = v[CLONE]();
    memo.set(v, out);
    return out;
  }
  if (ArrayBuffer.isView(v)) {
    const own = memo.get(v.buffer) as ArrayBuffer | undefined;
    let out: ArrayBufferView;
    if (own === undefined && !(v instanceof DataView) && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) {
      // A view of its whole buffer (nearly every one): one native copy; a later view of the same buffer finds the copy's.
      out = (v as unknown as { slice(): ArrayBufferView }).slice();
      memo.set(v.buffer, out.buffer);
    } else {
      const buf = own ?? cloneBuffer(v.buffer as ArrayBuffer, memo);
      const Ctor = v.constructor as new (b: ArrayBuffer, off: number, len: number) => ArrayBufferView;
      const len = v instanceof DataView ? v.byteLength : (v as unknown as { length: number }).length;
      out = new Ctor(buf, v.byteOffset, len);
    }
    memo.set(v, out);
    return out;
  }
  if (v instanceof ArrayBuffer) return cloneBuffer(v, memo);
  if (v instanceof Map || v instanceof Set || Array.isArray(v)) throw new Error('kernel/clone: a subclass of Map, Set or Array in kernel state would lose its entries');
  // Plain assignment in the original's key order keeps a clone of a few fields in V8's fast (shaped) mode;
  // past about a dozen keyed stores V8 makes it a dictionary (measured no slower to copy or run here).
  const out = Object.create(proto) as Record<string, unknown>;
  memo.set(v, out);
  const src = v as Record<string, unknown>;
  for (const key of Object.keys(src)) out[key] = cloneField(src[key], memo);
  return out;
}

function cloneBuffer(b: ArrayBuffer, memo: Memo): ArrayBuffer {
  const hit = memo.get(b) as ArrayBuffer | undefined;
  if (hit) return hit;
  const out = b.slice(0);
  memo.set(b, out);
  return out;
}

/** Mark `v` and everything reachable from it as shared (mapped to itself). */
function share(v: unknown, memo: Memo): void {
  if (v === null || typeof v !== 'object' || memo.has(v)) return;
  memo.set(v, v);
  if (v instanceof Map) for (const [a, b] of v) (share(a, memo), share(b, memo));
  else if (v instanceof Set) for (const a of v) share(a, memo);
  else for (const key of Object.keys(v)) share((v as Record<string, unknown>)[key], memo);
}

/** What clones of `k` share with it (its read-only parts, each object mapped to itself): compute once to clone `k` many times. */
export function sharedParts(k: Kernel): ReadonlyMap<object, unknown> {
  const memo: Memo = new Map<object, unknown>();
  for (const ro of [k.machine, k.hooks, k.flags]) share(ro, memo);
  return memo;
}

/**
 * A kernel in the same state as `k`, sharing nothing `k` can change
 * (`shared`: sharedParts(k), when cloning it repeatedly). With `hooks`, the
 * clone runs under that design instead of `k`'s: every reference to `k`'s
 * hooks becomes `hooks`. Boot does not consult the hooks (every hook sits in
 * a function boot never calls with a design's choice: test/kernel/clone.test.ts
 * checks each design on each preset), so one boot serves every design.
 */
export function cloneKernel(k: Kernel, shared: ReadonlyMap<object, unknown> = sharedParts(k), hooks?: Kernel['hooks']): Kernel {
  return cloneKernelWith(k, undefined, shared, hooks)[0];
}

/**
 * `cloneKernel`, together with `extra`: state kept beside the kernel that
 * refers into it (a run's observer), copied in the same pass so that its
 * references lead into the clone. `extra` must hold no functions.
 */
export function cloneKernelWith<T>(k: Kernel, extra: T, shared: ReadonlyMap<object, unknown> = sharedParts(k), hooks?: Kernel['hooks']): [Kernel, T] {
  const memo: Memo = new Map(shared);
  if (hooks) memo.set(k.hooks, hooks);
  const c = cloneValue(k, memo) as Kernel;
  c.rewire();
  return [c, cloneField(extra, memo) as T];
}
