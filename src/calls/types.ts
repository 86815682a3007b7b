/**
 * The kernel's call surface as the scenario language sees it: each modelled
 * function under its kernel name, its arguments and what it returns
 * (spec/07 D1). Every entry is made by `defineCall` (define.ts). The scenario
 * parser (src/io/scenario) and the trace form (src/io/trace) check steps
 * against these specs; the executor (src/run/execute.ts) runs them.
 */

import type { CacheMode } from '../hw/cache-mode.js';
import type { TtmCaching } from '../kernel/drivers/ttm/caching.js';
import type { IoremapResult } from '../kernel/mm/ioremap.js';
import type { VmFault } from '../kernel/vm/fault.js';

export type ArgKind =
  /** a physical address */
  | 'phys'
  /** a byte count */
  | 'size'
  | 'pfn'
  /** a plain count (pages, entries) */
  | 'count'
  /** a cache mode: `write-combining` or `WC` */
  | 'mode'
  /** an array of pages: a `pages` handle or a list of pfns */
  | 'pages'
  /** one page: `handle[i]`, or a pfn */
  | 'page'
  /** a kernel virtual address: a mapping handle (`name`, `name+off`) or a number */
  | 'vaddr'
  | 'gfp'
  | 'bool'
  /** a set of named flags `A|B` (the names in `ArgSpec.flags`), or a number */
  | 'flags'
  /** a mapping handle passed whole (e.g. a `struct io_mapping *`): resolved to `[phys, size, vaddr]` */
  | 'iomap'
  /** a TTM buffer object handle (from `ttm_bo_create`) */
  | 'bo';

export interface ArgSpec {
  name: string;
  kind: ArgKind;
  optional?: boolean;
  doc?: string;
  /** For kind 'flags': each flag's name and value. */
  flags?: Readonly<Record<string, number>>;
}

/** One argument: its kind alone, or the kind with a doc, flag names, or `optional: true`. */
export interface ArgDecl<Kd extends ArgKind = ArgKind> {
  readonly kind: Kd;
  readonly optional?: boolean;
  readonly doc?: string;
  /** For kind 'flags': each flag's name and value. */
  readonly flags?: Readonly<Record<string, number>>;
}

export type ArgDecls = Readonly<Record<string, ArgKind | ArgDecl>>;

/** A value a step can name with `as:` and later steps can pass. */
export type HandleValue =
  | { kind: 'pages'; pfns: number[] }
  | { kind: 'mapping'; vaddr: number; size: number; phys?: number; what: string }
  | { kind: 'range'; start: number; end: number }
  /** A TTM buffer object (kernel/drivers/ttm/bo.ts), by id. */
  | { kind: 'bo'; id: number };

/** Resolved arguments, by name. */
export interface Args {
  [name: string]: number | boolean | string | CacheMode | number[] | undefined;
}

/**
 * One output of a call, typed: the call table returns values and io gives
 * them their text (src/io/render/out-value.ts), so a number is never turned
 * into a display string where it is computed, and `expect:` compares the
 * value (src/run/expect-value.ts), not a spelling of it.
 */
export type OutValue =
  /** a count, size, id, pid or errno value: shown as the number */
  | number
  | boolean
  /** a name the kernel (or the model's own enumeration) defines as such: a zone, `via`, `level`, a `KVM_PFN_ERR_*`; shown as it is */
  | string
  /** a cache mode (`write-combining`); null where the call got none (`-`) */
  | { readonly mode: CacheMode | null }
  /** no PTE at the address (`none`) */
  | { readonly noPte: true }
  /** a physical or virtual address or a pfn (`0x1000`); a bigint for a 64-bit kernel address */
  | { readonly addr: number | bigint }
  /** a `vm_fault_t` (`VM_FAULT_NOPAGE`) */
  | { readonly fault: VmFault }
  /** a VMA's `vm_flags` (`VM_IO|VM_PFNMAP`) */
  | { readonly vmFlags: number }
  /** a TTM caching (`ttm_write_combined`) */
  | { readonly caching: TtmCaching }
  /** what an ioremap mapped, with the mode asked for (`write-back (requested write-combining)`) */
  | { readonly ioremap: IoremapResult };

/** A call's named outputs. */
export type OutFields = Record<string, OutValue>;

/** What one call returned, for display, expectations and JSON. */
export interface CallResult {
  /** errno-style return value (0 or a negative errno). */
  ret?: number;
  /** A pointer-returning call returned NULL. */
  isNull?: boolean;
  /** Named value for `as:`. */
  handle?: HandleValue;
  /** Further named outputs, e.g. `new_type: { mode: CM.WC }` (shown `new_type=write-combining`). */
  fields?: OutFields;
}

export interface CallSpec<K> {
  /** The kernel's own name, e.g. `set_pages_array_wc`. */
  name: string;
  /** One line: what it models (kernel function, spec section). */
  doc: string;
  /** The arguments as the call declared them (`defineCall`, src/calls/define.ts): `args` is made from it, the body is typed by it. */
  decl: ArgDecls;
  args: ArgSpec[];
  /** The call only reads kernel state (an inspection): nothing it does can change a mapping. */
  pure?: boolean;
  /** The handle kind `as:` gets, if any. */
  produces?: HandleValue['kind'];
  /** Whether the call exists in the kernel version `k` runs; a reason when it does not. */
  available?: (k: K) => string | null;
  run(k: K, args: Args): CallResult;
}
