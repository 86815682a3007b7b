/**
 * A recorded call log as a call trace (the one-line scenario form,
 * src/io/trace/call-trace.ts) that replays the recorded workload under any
 * design (docs/record.md §3).
 *
 * Each call made outside another recorded call becomes one line under its
 * kernel name, with the task's comm and pid; the calls it made (memtype_reserve
 * inside ioremap_wc) are patlab's to make. Values the log gives as kernel
 * addresses become patlab's handles:
 * - a pfn the log never saw allocated gets an `alloc_pages pfn=` of its own
 *   (a note line says so), a struct page pointer or a direct-map address is
 *   turned into its pfn (§3 says how);
 * - a user address falls in a VMA the log shows (vm_start, vm_end, vm_flags
 *   at the call): the first call on it is preceded by an `mmap` with those
 *   flags; an ioremap/memremap address is the handle of the call that
 *   returned it.
 * A call whose effect cannot be rebuilt from the log is a `# not modelled:`
 * line with the reason, and counted. Calls under a call that is not modelled
 * (set_pages_array_wc inside ttm_pool_alloc) are replayed in its place.
 *
 * Converted one outermost call at a time, as the log reader hands them on, so
 * a long log is never held whole: what is kept from one call to the next is
 * only those handles.
 */

import { InputError } from '../../run/input-error.js';
import { cacheModeShort, type CacheMode } from '../../hw/cache-mode.js';
import type { CacheModeTables } from '../../hw/pte.js';
import { PAGE_SIZE } from '../../hw/page.js';
import { hex } from '../../hw/hex.js';
import type { RecordArch } from './abi.js';
import type { CallLog, RecordedCall } from './log.js';
import { AddressRegions, type RegionRef } from './regions.js';
import { RecordedVmas } from './vmas.js';

/** What the importer knows of the recording machine (record-info.txt and the machine file). */
export interface RecordContext {
  arch: RecordArch;
  /** The recorded kernel's PAT tables: PTE cache bits → mode. */
  tables: CacheModeTables;
  /** i386's PAGE_OFFSET (record-info.txt `page_offset`, else CONFIG_PAGE_OFFSET's default). */
  pageOffset: bigint;
  /** First highmem pfn (i386), for the gfp of a page the log never saw allocated. */
  highmemStartPfn: number | null;
  /** The log's name in errors (default `calls.log`). */
  logFile?: string;
  /** Whether the recorder traced unmap_page_range (record-info.txt), so that the log holds the teardown of user mappings; default: whether the log shows a call of it. */
  teardownTraced?: boolean;
}

/** One line of the trace. */
export interface TraceLine {
  text: string;
}

/** Where the trace's lines go, in order. */
export type TraceSink = (text: string) => void;

/** What the conversion counted, once every call went through it. */
export interface TraceSummary {
  /** Not-modelled reasons, each with how many calls it covers. */
  notModelled: Map<string, number>;
  notes: string[];
  /** Calls replayed (one line each). */
  replayed: number;
}

export interface ImportedTrace extends TraceSummary {
  lines: TraceLine[];
}

/** The conversion one outermost call at a time, in the log's order (what readCallLog hands on). */
export interface CallTraceConverter {
  call(c: RecordedCall): void;
  finish(): TraceSummary;
}

/** sizeof(struct page) of the configurations patlab records (Debian's amd64 and 686-pae, v6.1–v6.12; docs/decisions.md R2). */
const STRUCT_PAGE_SIZE: Record<RecordArch, bigint> = { 'x86-64': 64n, i386: 40n };

/** The kernel's VM_* bits (include/linux/mm.h) a driver's mmap sets, as patlab's mmap names them. */
const VM_BITS: [bigint, string][] = [
  [0x400n, 'VM_PFNMAP'],
  [0x4000n, 'VM_IO'],
  [0x20000n, 'VM_DONTCOPY'],
  [0x40000n, 'VM_DONTEXPAND'],
  [0x4000000n, 'VM_DONTDUMP'],
  [0x10000000n, 'VM_MIXEDMAP'],
];
const VM_WRITE = 0x2n;
const VM_SHARED = 0x8n;
const VM_MAYWRITE = 0x20n;

/** pfn_t's flag bits (include/linux/pfn_t.h: the top 12 bits of the u64). */
const PFN_T_MASK = (1n << 52n) - 1n;

/**
 * unmap_page_range's callers (mm/memory.c, v6.1–v6.12, where unmap_single_vma is inlined):
 * unmap_vmas is munmap's and exit's (the VMA goes); these zap and keep the VMA.
 */
const MUNMAP_CALLER = 'unmap_vmas';
const ZAP_CALLERS = new Set(['zap_page_range_single', 'zap_vma_ptes', 'zap_page_range', 'unmap_mapping_range_vma', 'unmap_mapping_range_tree', 'unmap_mapping_range', 'zap_page_range_single_batched']);
/** Out of line, unmap_single_vma is both munmap's and a zap's way in: its own entry, when traced, tells them apart. */
const EITHER_CALLER = 'unmap_single_vma';

/** A whole call log as a call trace, its lines after `header` (the tests' and small logs' form). */
export function callLogToTrace(log: CallLog, ctx: RecordContext, header: string[]): ImportedTrace {
  const lines: TraceLine[] = header.map((text) => ({ text }));
  const conv = callTraceConverter(ctx, (text) => lines.push({ text }));
  for (const c of log.calls) conv.call(c);
  return { lines, ...conv.finish() };
}

/**
 * The conversion, writing each line to `out` as it is made. What it keeps between calls is the
 * handles' bookkeeping: the pfns given an alloc_pages, the ioremap regions, the VMAs mmap'd.
 */
export function callTraceConverter(ctx: RecordContext, out: TraceSink): CallTraceConverter {
  const notModelled = new Map<string, number>();
  const notes: string[] = [];
  /** A field the recorder fetches for every call of the function: one missing is a log that was cut or edited. */
  const need = (c: RecordedCall, k: string): bigint => {
    const v = c.args.get(k);
    if (v === undefined) throw new InputError(ctx.logFile ?? 'calls.log', c.line, 1, `expected the field ${k}=VALUE in ${c.name}'s entry (the recorder fetches it for every call)`);
    return v;
  };
  /** The pfns the trace has allocated; the handle of each is `pg` and its hex. */
  const pages = new Set<number>();
  const regions = new AddressRegions();
  const vmas = new RecordedVmas();
  /** unmap_page_range calls: all of them, and those of VMAs no recorded call used (ignored). */
  let zaps = 0;
  let zapsIgnored = 0;
  let eitherNoted = false;
  /** Per task, the caller of the unmap_single_vma entered last (where it is out of line), for the unmap_page_range it makes. */
  const singleVmaCaller = new Map<number, string>();
  let replayed = 0;
  let ioN = 0;
  let vmN = 0;
  const pageSize = STRUCT_PAGE_SIZE[ctx.arch];
  /** struct page * → pfn: vmemmap_base from the event on x86-64; i386's mem_map found from a page whose pfn the log names. */
  let pageBase: bigint | undefined;

  const skip = (c: RecordedCall, why: string): void => {
    notModelled.set(why, (notModelled.get(why) ?? 0) + 1);
    out(`# not modelled: ${c.name} (calls.log:${c.line}): ${why}`);
  };
  const task = (t: { comm: string; pid: number }): string => ` comm=${/^[\w.:-]+$/.test(t.comm) ? t.comm : `"${t.comm.replace(/"/g, "'")}"`} pid=${t.pid}`;
  /** The line replaying `c`, in task `as` (default the call's own). */
  const emit = (c: RecordedCall, text: string, as: { comm: string; pid: number } = c): void => {
    out(`${text}${task(as)}  # calls.log:${c.line}${c.ret !== undefined ? ` ret=${hex(c.ret)}` : ''}`);
    replayed++;
  };
  const page = (c: RecordedCall, pfn: number): string => {
    const h = `pg${pfn.toString(16)}`;
    if (!pages.has(pfn)) {
      pages.add(pfn);
      const gfp = ctx.highmemStartPfn !== null && pfn >= ctx.highmemStartPfn ? 'GFP_HIGHUSER' : 'GFP_KERNEL';
      out(`# note: pfn ${hex(pfn)} was not seen allocated (first named at calls.log:${c.line}): allocated here`);
      out(`alloc_pages gfp=${gfp} pfn=${hex(pfn)} as=${h}`);
    }
    return h;
  };
  const pfnOfLinear = (c: RecordedCall, addr: bigint): number | null => {
    const base = ctx.arch === 'x86-64' ? c.args.get('page_offset_base') : ctx.pageOffset;
    if (base === undefined || addr < base) return null;
    const pfn = Number((addr - base) / BigInt(PAGE_SIZE));
    // i386: above high_memory an address is a kmap, fixmap or vmalloc one, not the direct map's.
    return ctx.arch === 'i386' && ctx.highmemStartPfn !== null && pfn >= ctx.highmemStartPfn ? null : pfn;
  };
  const pfnOfPage = (c: RecordedCall, ptr: bigint): number | null => {
    // i386: a page whose pfn a call it made names (set_pages_uc → set_memory_uc of its direct-map
    // address, or a memtype_reserve of it) fixes mem_map.
    if (ctx.arch === 'i386' && pageBase === undefined) {
      const ch = c.children[0];
      const pfn = ch === undefined ? null : ch.name === 'memtype_reserve' ? Number(need(ch, 'start') / BigInt(PAGE_SIZE)) : ch.args.has('addr') && /set_memory/.test(ch.name) ? pfnOfLinear(ch, ch.args.get('addr')!) : null;
      if (pfn !== null) pageBase = ptr - BigInt(pfn) * pageSize;
    }
    const base = ctx.arch === 'x86-64' ? c.args.get('vmemmap_base') : pageBase;
    if (base === undefined || ptr < base || (ptr - base) % pageSize !== 0n) return null;
    return Number((ptr - base) / pageSize);
  };
  const mode = (prot: bigint): string => cacheModeShort(ctx.tables.pgprot2cachemode(Number(prot & 0xfffn)));
  const ref = (r: RegionRef): string => (r.off === 0n ? r.name : `${r.name}+${hex(r.off)}`);
  const vma = (c: RecordedCall, addr: bigint): string | null => {
    const start = c.args.get('vma_start');
    const end = c.args.get('vma_end');
    const flags = c.args.get('vma_flags') ?? 0n;
    if (start === undefined || end === undefined || addr < start || addr >= end) return null;
    const ptr = c.args.get('vma');
    let v = vmas.find(ptr, start, end, c.pid);
    if (!v) {
      v = vmas.add(ptr, `vm${vmN++}`, start, end, c.pid, c.comm);
      const fl = VM_BITS.filter(([b]) => (flags & b) !== 0n).map(([, n]) => n);
      out(`# note: the VMA [${hex(start)}, ${hex(end)}) of pid ${c.pid} was mapped before calls.log:${c.line} (vm_flags ${hex(flags)}): mapped here`);
      out(
        `mmap size=${hex(end - start)}${fl.length ? ` flags=${fl.join('|')}` : ''}${flags & VM_SHARED ? ' shared=true' : ''}${flags & VM_WRITE ? ' write=true' : ''}${flags & VM_MAYWRITE ? ' maywrite=true' : ' maywrite=false'} as=${v.name}${task(c)}`,
      );
    }
    return ref({ name: v.name, off: addr - v.start });
  };
  /** The pfns of a struct page ** argument, or why not. */
  const pageArray = (c: RecordedCall, n: number): number[] | string => {
    // i386: the page whose pfn the log names (memtype_reserve of each lowmem page, in order) fixes mem_map.
    const reserves = c.children.filter((x) => x.name === 'memtype_reserve').map((x) => Number(need(x, 'start') / BigInt(PAGE_SIZE)));
    const ptrs = Array.from({ length: Math.min(n, 16) }, (_, i) => need(c, `pages_${i}`));
    if (pageBase === undefined && ctx.arch === 'i386' && reserves.length === n && n > 0) pageBase = ptrs[0]! - BigInt(reserves[0]!) * pageSize;
    if (reserves.length === n) return reserves;
    if (n > 16) return `only the first 16 of its ${n} pages are recorded, and ${reserves.length} were lowmem pages the kernel reserved one by one`;
    const pfns = ptrs.map((p) => pfnOfPage(c, p));
    if (pfns.some((p) => p === null)) return 'a struct page pointer whose pfn the log does not tell (i386: no earlier call named a page with its pfn)';
    return pfns as number[];
  };
  /** A pages array as the trace's `pages=[...]`, each page declared first; or why it cannot be. */
  const pagesArg = (c: RecordedCall, n: number): string | { why: string } => {
    const pfns = pageArray(c, n);
    if (typeof pfns === 'string') return { why: pfns };
    for (const p of pfns) page(c, p);
    return `pages=[${pfns.map(hex).join(',')}]`;
  };

  const visit = (c: RecordedCall): void => {
    const a = (k: string): bigint => need(c, k);
    const n = (k: string): string => hex(a(k));
    const name = c.name;
    switch (name) {
      case 'ioremap':
      case 'ioremap_wc':
      case 'ioremap_wt':
      case 'ioremap_uc':
      case 'ioremap_cache':
      case 'ioremap_prot':
      case 'memremap': {
        const h = `io${ioN++}`;
        const args = name === 'memremap' ? `offset=${n('offset')} size=${n('size')} flags=${n('flags')}` : `phys=${n('offset')} size=${n('size')}${name === 'ioremap_prot' ? ` prot=${mode(a('prot_val'))}` : ''}`;
        emit(c, `${name} ${args} as=${h}`);
        if (c.ret) regions.add(c.ret, c.ret + a('size'), h);
        return;
      }
      case 'iounmap':
      case 'memunmap': {
        const r = regions.find(a('addr'));
        if (!r) return skip(c, `${name} of an address no recorded ioremap or memremap returned`);
        emit(c, `${name} addr=${ref(r)}`);
        return;
      }
      case 'memtype_reserve':
        emit(c, `memtype_reserve start=${n('start')} end=${n('end')} type=${cacheModeShort(Number(a('req_type')) as CacheMode)} new_type=${a('new_type') !== 0n}`);
        return;
      case 'memtype_free':
        emit(c, `memtype_free start=${n('start')} end=${n('end')}`);
        return;
      case 'set_memory_uc':
      case 'set_memory_wc':
      case 'set_memory_wb':
      case '_set_memory_uc':
      case '_set_memory_wc':
      case '_set_memory_wt':
      case '_set_memory_wb': {
        const pfn = pfnOfLinear(c, a('addr'));
        if (pfn === null) return skip(c, 'a direct-map address whose pfn the log does not tell (page_offset_base not recorded)');
        const np = Number(a('numpages'));
        let first = '';
        for (let i = 0; i < np; i++) {
          const h = page(c, pfn + i);
          if (i === 0) first = h;
        }
        emit(c, `${name} addr=${first} numpages=${np}`);
        return;
      }
      case 'set_pages_uc':
      case 'set_pages_wb': {
        const pfn = pfnOfPage(c, a('page'));
        if (pfn === null) return skip(c, 'a struct page pointer whose pfn the log does not tell');
        emit(c, `${name} page=${page(c, pfn)} numpages=${Number(a('numpages'))}`);
        return;
      }
      case 'set_pages_array_uc':
      case 'set_pages_array_wc':
      case 'set_pages_array_wb': {
        const pages = pagesArg(c, Number(BigInt.asIntN(32, a('addrinarray'))));
        if (typeof pages !== 'string') return skip(c, pages.why);
        emit(c, `${name} ${pages}`);
        return;
      }
      case 'remap_pfn_range':
      case 'vmf_insert_pfn_prot':
      case 'vmf_insert_pfn':
      case 'vmf_insert_mixed':
      case 'vm_insert_page':
      case 'vm_insert_pages': {
        const at = vma(c, a('addr'));
        if (at === null) return skip(c, 'a user address outside the VMA the call was given');
        if (name === 'remap_pfn_range') emit(c, `remap_pfn_range addr=${at} pfn=${n('pfn')} size=${n('size')} prot=${mode(a('prot'))}`);
        else if (name === 'vmf_insert_pfn_prot') emit(c, `vmf_insert_pfn_prot addr=${at} pfn=${n('pfn')} prot=${mode(a('pgprot'))}`);
        else if (name === 'vmf_insert_pfn') emit(c, `vmf_insert_pfn addr=${at} pfn=${n('pfn')}`);
        else if (name === 'vmf_insert_mixed') emit(c, `vmf_insert_mixed addr=${at} pfn=${hex(a('pfn') & PFN_T_MASK)}`);
        else if (name === 'vm_insert_page') {
          const pfn = pfnOfPage(c, a('page'));
          if (pfn === null) return skip(c, 'a struct page pointer whose pfn the log does not tell');
          emit(c, `vm_insert_page addr=${at} page=${page(c, pfn)}`);
        } else {
          const pages = pagesArg(c, Number(a('num')));
          if (typeof pages !== 'string') return skip(c, pages.why);
          emit(c, `vm_insert_pages addr=${at} ${pages}`);
        }
        return;
      }
      case 'unmap_page_range': {
        zaps++;
        const ptr = c.args.get('vma');
        const from = a('addr');
        const to = a('end');
        const v = vmas.find(ptr, from, to, c.pid);
        // Another process's exit or munmap (every vvar VMA is a PFN map): not the workload's.
        if (v === null) return void zapsIgnored++;
        const at = `addr=${ref({ name: v.name, off: from - v.start })} size=${hex(to - from)}`;
        // Out of line, unmap_single_vma's own entry just before (on this task) says whom it serves.
        let caller = c.caller ?? '';
        if (caller === EITHER_CALLER && singleVmaCaller.has(c.pid)) caller = singleVmaCaller.get(c.pid)!;
        singleVmaCaller.delete(c.pid);
        if (caller === MUNMAP_CALLER) {
          emit(c, `munmap ${at}`, v);
          vmas.unmapped(v, ptr, from, to);
        } else if (ZAP_CALLERS.has(caller) || caller === EITHER_CALLER) {
          if (caller === EITHER_CALLER && !eitherNoted) {
            eitherNoted = true;
            notes.push('unmap_single_vma is not inlined on the recorded kernel, so a munmap and a zap that keeps the VMA look alike in the log: each is replayed as zap_page_range_single (the VMA stays in the replay)');
          }
          // The VMA's own task: patlab's calls act on the current process's VMAs (a message the zap prints names the owner).
          emit(c, `zap_page_range_single ${at}`, v);
        } else skip(c, `a zap from ${caller || 'an unrecorded caller'} (patlab replays the zaps of munmap, exit and zap_page_range_single)`);
        return;
      }
      case 'unmap_single_vma':
        singleVmaCaller.set(c.pid, c.caller ?? '');
        return;
      case 'untrack_pfn': {
        // A teardown's (unmap_single_vma, before the unmap_page_range that follows): the replay of that zap frees the reservation itself.
        const start = c.args.get('vma_start');
        const end = c.args.get('vma_end');
        if (start !== undefined && end !== undefined && vmas.find(c.args.get('vma'), start, end, c.pid) !== null) return;
        // A VMA the trace never mapped (mapped before the recording began): what it freed is replayed as it was.
        for (const ch of c.children) visit(ch);
        return;
      }
      default: {
        // TTM's pool and fault, KVM's hva_to_pfn: their objects (a ttm_tt, a memslot) are not in the log.
        skip(c, `${name}'s objects (${name.startsWith('ttm_') ? 'the BO and its ttm_tt' : 'the VM and its memslots'}) are not in the call log; the calls it made are replayed in its place`);
        for (const ch of c.children) visit(ch);
      }
    }
  };
  const finish = (): TraceSummary => {
    if (ctx.arch === 'i386' && pageBase === undefined && [...notModelled.keys()].some((k) => k.includes('struct page')))
      notes.push('i386 kernels without CONFIG_KALLSYMS_ALL do not show mem_map: struct page pointers are turned into pfns only after a set_pages_array_* call whose pages the kernel reserved one by one');
    if (zapsIgnored > 0) notes.push(`${zapsIgnored} of the ${zaps} unmap_page_range calls zap VMAs no recorded call used (other processes' munmap and exit): not replayed`);
    // A log without unmap_page_range (an older recorder, a kernel that inlines it): the replay keeps every VMA to the end (docs/record.md §5).
    if (vmN > 0 && !(ctx.teardownTraced ?? zaps > 0))
      notes.push(
        `not modelled: the log holds no teardown of user mappings (munmap, exit, TTM's unmap_mapping_range): the replay keeps the PTEs of its ${vmN} VMA${vmN === 1 ? '' : 's'} to the end, so an alias or hazard after the real teardown (a page set back to WB while still mapped WC) can be the log's gap, not the kernel's`,
      );
    return { notModelled, notes, replayed };
  };
  return { call: visit, finish };
}
