/**
 * `defineCall`: one entry of the call table, with its arguments declared once
 * and typed. The declaration `{ addr: 'vaddr', prot: opt('mode') }` gives the
 * parser and the executor their `ArgSpec`s (in declaration order, which is the
 * order `patlab calls` and a step's shown arguments use) and gives the call's
 * body `{ addr: number; prot?: CacheMode }`, so no body casts an argument.
 */

import type { CacheMode } from '../hw/cache-mode.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import type { Gfp } from '../kernel/mm/page-alloc.js';
import type { ArgDecl, ArgDecls, ArgKind, Args, ArgSpec, CallResult, CallSpec, HandleValue } from './types.js';

export type { ArgDecl, ArgDecls };

/** The value an argument of each kind has once `run/execute.ts` resolved it (handles included). */
export interface ArgValue {
  phys: number;
  size: number;
  pfn: number;
  count: number;
  mode: CacheMode;
  /** The pfns of a `pages` handle or of a list. */
  pages: number[];
  page: number;
  vaddr: number;
  gfp: Gfp;
  bool: boolean;
  flags: number;
  /** `[phys, size, vaddr]` of the mapping handle. */
  iomap: readonly [number, number, number];
  /** The BO's id. */
  bo: number;
}

type KindOf<D> = D extends ArgKind ? D : D extends ArgDecl<infer Kd> ? Kd : never;
type IsOptional<D> = D extends { readonly optional: true } ? true : false;

/** The argument object a call's body gets: required arguments present, optional ones possibly absent. */
export type ArgsOf<S extends ArgDecls> = {
  -readonly [N in keyof S as IsOptional<S[N]> extends true ? never : N]: ArgValue[KindOf<S[N]>];
} & {
  -readonly [N in keyof S as IsOptional<S[N]> extends true ? N : never]?: ArgValue[KindOf<S[N]>];
};

/** An optional argument of kind `kind`. */
export function opt<Kd extends ArgKind>(kind: Kd, doc?: string): { readonly kind: Kd; readonly optional: true; readonly doc?: string } {
  return doc === undefined ? { kind, optional: true } : { kind, optional: true, doc };
}

/** The context every call runs in: the kernel as the memory-management calls see it (a `Kernel` is one). */
export type CallKernel = MmContext;

/** What a call is, besides its body: the kernel's name, one line of doc, its arguments and metadata. */
export interface CallDef<S extends ArgDecls> {
  /** The kernel's own name, e.g. `set_pages_array_wc`. */
  name: string;
  /** One line: what it models (kernel function, spec section). */
  doc: string;
  args: S;
  /** The call only reads kernel state (an inspection): nothing it does can change a mapping. */
  pure?: boolean;
  /** The handle kind `as:` gets, if any. */
  produces?: HandleValue['kind'];
  /** Whether the call exists in the kernel (version, design) `k` runs; a reason when it does not. */
  available?: (k: CallKernel) => string | null;
}

/** The `ArgSpec`s of a declaration, in declaration order. */
export function argSpecs(decls: ArgDecls): ArgSpec[] {
  return Object.entries(decls).map(([name, d]) => {
    if (typeof d === 'string') return { name, kind: d };
    const s: ArgSpec = { name, kind: d.kind };
    if (d.optional) s.optional = true;
    if (d.doc !== undefined) s.doc = d.doc;
    if (d.flags !== undefined) s.flags = d.flags;
    return s;
  });
}

/** One call of the table: `run` gets its arguments typed by `def.args`. */
export function defineCall<const S extends ArgDecls>(def: CallDef<S>, run: (k: CallKernel, a: ArgsOf<S>) => CallResult): CallSpec<CallKernel> {
  const spec: CallSpec<CallKernel> = {
    name: def.name,
    doc: def.doc,
    decl: def.args,
    args: argSpecs(def.args),
    // The one place an argument is narrowed: the parser checked each against its kind, and resolveArgs gave it the value ArgValue names.
    run: (k: CallKernel, a: Args) => run(k, a as ArgsOf<S>),
  };
  if (def.pure) spec.pure = true;
  if (def.produces !== undefined) spec.produces = def.produces;
  if (def.available !== undefined) spec.available = def.available;
  return spec;
}
