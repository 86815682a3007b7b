/**
 * Where a function's arguments are at its first instruction, as kprobe fetch
 * arguments (Documentation/trace/kprobetrace.rst), from its prototype and the
 * architecture's calling convention (docs/record.md §2):
 *
 * - x86-64 (System V): integer and pointer arguments, and structs of one
 *   64-bit word (pgprot_t, pfn_t), in %di %si %dx %cx %r8 %r9, then on the
 *   stack (`$stack1` is the first; `$stack0` is the return address).
 * - i386 (the kernel is built with -mregparm=3): %ax %dx %cx; a 64-bit
 *   value (phys_addr_t and pgprot_t on PAE, u64, pfn_t) takes two registers,
 *   low word first, and when it no longer fits, it and every later argument
 *   go on the stack (gcc's i386 rule: the registers left are not used again).
 *
 * A 64-bit value on i386 is fetched as two words, `NAME` (low) and
 * `NAME_hi`; the log reader joins them.
 */

import type { ArgType, Prototype } from './functions.js';

export type RecordArch = 'x86-64' | 'i386';

/** How many array entries of a `pages` argument are fetched (a kprobe event has at most 128 fields). */
export const PAGES_FETCHED = 16;

/** vm_area_struct's vm_start, vm_end, vm_flags offsets (v6.1–v6.12: vm_start, vm_end, vm_mm, vm_page_prot, vm_flags, include/linux/mm_types.h). */
function vmaOffsets(arch: RecordArch): { start: number; end: number; flags: number } {
  // i386: words of 4 bytes, pgprot_t 8 bytes aligned to 4 (PAE): 0, 4, 8, 12..19, 20.
  return arch === 'x86-64' ? { start: 0, end: 8, flags: 32 } : { start: 0, end: 4, flags: 20 };
}

const WIDE: readonly ArgType[] = ['u64', 'phys', 'pgprot', 'pfn_t'];

/** The kprobe fetch arguments of an entry event (`name=fetch:type` each). */
export function entryFetchArgs(p: Prototype, arch: RecordArch): string[] {
  const t = arch === 'x86-64' ? 'x64' : 'x32';
  const word = arch === 'x86-64' ? 8 : 4;
  const out: string[] = [];
  let reg = 0;
  let stack = 1;
  const regs = arch === 'x86-64' ? ['%di', '%si', '%dx', '%cx', '%r8', '%r9'] : ['%ax', '%dx', '%cx'];
  const next = (words: number): string[] => {
    if (reg + words <= regs.length) {
      const r = regs.slice(reg, reg + words);
      reg += words;
      return r;
    }
    if (arch === 'i386') reg = regs.length;
    const s = Array.from({ length: words }, (_, i) => `$stack${stack + i}`);
    stack += words;
    return s;
  };
  for (const a of p.args) {
    const words = arch === 'i386' && WIDE.includes(a.type) ? 2 : 1;
    const loc = next(words);
    const base = loc[0]!;
    out.push(`${a.name}=${base}:${t}`);
    if (words === 2) out.push(`${a.name}_hi=${loc[1]}:${t}`);
    if (a.type === 'vma') {
      const o = vmaOffsets(arch);
      out.push(`${a.name}_start=+${o.start}(${base}):${t}`, `${a.name}_end=+${o.end}(${base}):${t}`, `${a.name}_flags=+${o.flags}(${base}):${t}`);
    } else if (a.type === 'pages') {
      for (let i = 0; i < PAGES_FETCHED; i++) out.push(`${a.name}_${i}=+${i * word}(${base}):${t}`);
    } else if (a.type === 'ulongp') {
      out[out.length - 1] = `${a.name}=+0(${base}):${t}`;
    }
  }
  // The task's name, as the kernel's messages print it (the trace's own comm cache may lose it).
  out.push('comm=$comm:string');
  // Where it was called from (the return address, at the first instruction the top of the stack), as symbol+offset/size.
  if (p.entryOnly) out.push('caller=$stack0:symbol');
  return out;
}

/**
 * The symbols whose values turn a direct-map address or a struct page pointer into a pfn:
 * on x86-64 (KASLR moves both) page_offset_base and vmemmap_base, read with `@SYM`, which
 * needs CONFIG_KALLSYMS_ALL (Debian's amd64 has it). i386 has a fixed PAGE_OFFSET and a
 * FLATMEM mem_map that 686-pae's kallsyms does not list: the log reader finds its base from
 * pages whose pfn the log also names (docs/record.md §3).
 */
export function baseFetchArgs(p: Prototype, arch: RecordArch): string[] {
  if (arch !== 'x86-64') return [];
  const out: string[] = [];
  if (p.args.some((a) => a.type === 'dmaddr')) out.push('page_offset_base=@page_offset_base:x64');
  if (p.args.some((a) => a.type === 'page' || a.type === 'pages')) out.push('vmemmap_base=@vmemmap_base:x64');
  return out;
}

/** The fetch arguments of a return event; null for a function traced at its entry only (no return event). */
export function returnFetchArgs(p: Prototype, arch: RecordArch): string[] | null {
  if (p.entryOnly) return null;
  if (p.ret === 'void') return [];
  if (arch === 'i386' && p.ret === 'u64') return ['ret=%ax:x32', 'ret_hi=%dx:x32'];
  return [`ret=$retval:${arch === 'x86-64' ? 'x64' : 'x32'}`];
}
